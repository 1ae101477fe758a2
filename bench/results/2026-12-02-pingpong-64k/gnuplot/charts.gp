set terminal svg size 720,400 noenhanced font 'sans,12' background rgb 'white'
set style fill solid 0.8 border -1
set boxwidth 0.6
set yrange [*<0:*]
set grid ytics
set tics nomirror
unset key

set output "pingpong50.svg"
set title "pingpong50: msg_per_s (median; bars: min–max; rounds: 7)"
set ylabel "msg_per_s"
set xrange [-0.6:3.6]
plot "gnuplot/pingpong50-msg_per_s.dat" using 1:3:xtic(2) with boxes lc rgb '#4c78a8', \
     '' using 1:3:4:5 with yerrorbars lc rgb 'black' lw 1.5 pt 7 ps 0.5

set output "pingpong50-server_cpu_us_per_msg.svg"
set title "pingpong50: server_cpu_us_per_msg (median; bars: min–max; rounds: 7)"
set ylabel "server_cpu_us_per_msg"
set xrange [-0.6:3.6]
plot "gnuplot/pingpong50-server_cpu_us_per_msg.dat" using 1:3:xtic(2) with boxes lc rgb '#4c78a8', \
     '' using 1:3:4:5 with yerrorbars lc rgb 'black' lw 1.5 pt 7 ps 0.5

set output "pingpong1000.svg"
set title "pingpong1000: msg_per_s (median; bars: min–max; rounds: 7)"
set ylabel "msg_per_s"
set xrange [-0.6:3.6]
plot "gnuplot/pingpong1000-msg_per_s.dat" using 1:3:xtic(2) with boxes lc rgb '#4c78a8', \
     '' using 1:3:4:5 with yerrorbars lc rgb 'black' lw 1.5 pt 7 ps 0.5

set output "pingpong1000-server_cpu_us_per_msg.svg"
set title "pingpong1000: server_cpu_us_per_msg (median; bars: min–max; rounds: 7)"
set ylabel "server_cpu_us_per_msg"
set xrange [-0.6:3.6]
plot "gnuplot/pingpong1000-server_cpu_us_per_msg.dat" using 1:3:xtic(2) with boxes lc rgb '#4c78a8', \
     '' using 1:3:4:5 with yerrorbars lc rgb 'black' lw 1.5 pt 7 ps 0.5
