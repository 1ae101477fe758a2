import statistics as st, sys
rec={}
for line in open(sys.argv[1]):
    w,v,r,*f=line.split()
    rec[(w,v,r)]={k:float(x) for k,x in (y.split('=') for y in f)}
for v in ['default','epoll']:
    for field in ['conn_per_s','server_cpu_us_per_conn']:
        rounds=sorted({k[2] for k in rec if k[1]==v})
        ratios=[rec[('churn_proxy_v2',v,r)][field]/rec[('churn_plain',v,r)][field] for r in rounds]
        mp=st.median(rec[('churn_plain',v,r)][field] for r in rounds); mx=st.median(rec[('churn_proxy_v2',v,r)][field] for r in rounds)
        print(f"{v:8} {field:24} plain {mp:>9,.1f}  proxy-v2 {mx:>9,.1f}  ratio-of-medians {mx/mp:.3f}  paired {st.median(ratios):.3f}  rounds {' '.join('%.2f'%x for x in ratios)}")
