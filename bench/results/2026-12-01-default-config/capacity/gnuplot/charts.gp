set terminal svg size 720,400 noenhanced font 'sans,12' background rgb 'white'
set style fill solid 0.8 border -1
set boxwidth 0.6
set yrange [*<0:*]
set grid ytics
set tics nomirror
unset key

set output "capacity.svg"
set title "capacity: connections (median; bars: min–max; rounds: 2)"
set ylabel "connections"
set xrange [-0.6:1.6]
plot "gnuplot/capacity-connections.dat" using 1:3:xtic(2) with boxes lc rgb '#4c78a8', \
     '' using 1:3:4:5 with yerrorbars lc rgb 'black' lw 1.5 pt 7 ps 0.5
