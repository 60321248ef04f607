# Fixture workload: hot() takes about four times the CPU of warm().
import os, sys, time
def hot():
    s = 0
    for i in range(200000): s += i * i
    return s
def warm():
    s = 0
    for i in range(50000): s += i * i
    return s
open(sys.argv[1], "w").close()  # ready
end = time.time() + 20
while time.time() < end:
    hot(); warm()
