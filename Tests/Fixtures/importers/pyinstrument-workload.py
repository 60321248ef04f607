import time
def hot():
    s = 0
    for i in range(200000): s += i * i
    return s
def warm():
    s = 0
    for i in range(50000): s += i * i
    return s
end = time.time() + 0.4
while time.time() < end:
    hot(); warm()
