set terminal svg size 720,400 noenhanced font 'sans,12' background rgb 'white'
set style fill solid 0.8 border -1
set boxwidth 0.6
set yrange [*<0:*]
set grid ytics
set tics nomirror
unset key

set output "latency50.svg"
set title "latency50: p99_us (median; bars: min–max; rounds: 3)"
set ylabel "p99_us"
set xrange [-0.6:4.6]
plot "gnuplot/latency50-p99_us.dat" using 1:3:xtic(2) with boxes lc rgb '#4c78a8', \
     '' using 1:3:4:5 with yerrorbars lc rgb 'black' lw 1.5 pt 7 ps 0.5
