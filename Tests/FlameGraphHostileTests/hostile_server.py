#!/usr/bin/env python3
"""A hostile HTTP/WebSocket peer for flame-graph's hostile tests: loopback only, one mode per run,
bounded in connections and time. Prints its port on the first line of stdout, then serves.

Modes (argv[1]):
  body SIZE          HTTP 200 with Content-Length SIZE of zeros
  chunked            HTTP 200, chunked, zeros without end
  gzip               HTTP 200, Content-Encoding: gzip, a stream of compressed zeros without end
  trickle            HTTP 200, one byte a second without end
  list-big           /json/list answers an endless JSON array (1 MB+ of targets)
  ws-ping-flood      101, then 1 MB ping frames without end; never reads
  ws-huge-frame      101, then a text frame header claiming 2**31 bytes, then zeros
  ws-fragments       101, then endless non-final continuation fragments of 64 KB
  ws-bad-accept      101 with a wrong Sec-WebSocket-Accept
  ws-masked          101, then a masked text frame
  ws-close           101, then a close frame; records the client's answer in argv[2]
  ws-garbage         101, then answers every message with a text message that is not JSON
  ws-silent          101, then reads and never answers
  record             HTTP 500 "nope"; writes the request head to argv[2]
"""
import base64, hashlib, os, socket, struct, sys, threading, time, zlib

MODE = sys.argv[1]
ARG = sys.argv[2] if len(sys.argv) > 2 else None
LIFETIME = 60  # seconds: the server ends itself whatever happens
MAX_CONNECTIONS = 8


def head_of(conn):
    data = b""
    while b"\r\n\r\n" not in data and len(data) < 65536:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    return data.decode("latin-1")


def send_all(conn, data):
    try:
        conn.sendall(data)
        return True
    except OSError:
        return False


def list_answer(conn, port):
    target = ('{"id":"x","type":"node","webSocketDebuggerUrl":"ws://127.0.0.1:%d/x"}' % port).encode()
    if MODE == "list-big":
        send_all(conn, b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n[")
        while send_all(conn, (target + b",") * 1000):
            pass
        return
    body = b"[" + target + b"]"
    send_all(conn, b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body)


def frame(opcode, payload, fin=True, mask=None, claimed=None):
    n = len(payload) if claimed is None else claimed
    b0 = (0x80 if fin else 0) | opcode
    if n < 126:
        header = struct.pack("!BB", b0, n | (0x80 if mask else 0))
    elif n < 65536:
        header = struct.pack("!BBH", b0, 126 | (0x80 if mask else 0), n)
    else:
        header = struct.pack("!BBQ", b0, 127 | (0x80 if mask else 0), n)
    if mask:
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        header += mask
    return header + payload


def read_frame(conn):
    def need(n):
        data = b""
        while len(data) < n:
            chunk = conn.recv(n - len(data))
            if not chunk:
                raise EOFError
            data += chunk
        return data
    b0, b1 = need(2)
    n = b1 & 0x7F
    if n == 126:
        n = struct.unpack("!H", need(2))[0]
    elif n == 127:
        n = struct.unpack("!Q", need(8))[0]
    mask = need(4) if b1 & 0x80 else b"\0\0\0\0"
    payload = bytes(b ^ mask[i % 4] for i, b in enumerate(need(n)))
    return b0 & 0x0F, payload


def websocket(conn, head):
    key = [l.split(":", 1)[1].strip() for l in head.split("\r\n") if l.lower().startswith("sec-websocket-key:")][0]
    accept = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
    if MODE == "ws-bad-accept":
        accept = base64.b64encode(b"0" * 20).decode()
    send_all(conn, ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    "Sec-WebSocket-Accept: %s\r\n\r\n" % accept).encode())
    if MODE == "ws-ping-flood":
        ping = frame(0x9, b"p" * (1 << 20))
        while send_all(conn, ping):
            pass
    elif MODE == "ws-huge-frame":
        send_all(conn, frame(0x1, b"", claimed=1 << 31))
        while send_all(conn, b"\0" * 65536):
            pass
    elif MODE == "ws-fragments":
        send_all(conn, frame(0x1, b"{", fin=False))
        piece = frame(0x0, b" " * 65536, fin=False)
        while send_all(conn, piece):
            pass
    elif MODE == "ws-masked":
        send_all(conn, frame(0x1, b'{"id":1,"result":{}}', mask=b"abcd"))
        time.sleep(5)
    elif MODE == "ws-close":
        read_frame(conn)  # Profiler.enable
        send_all(conn, frame(0x8, struct.pack("!H", 1001)))
        conn.settimeout(3)
        try:
            opcode, payload = read_frame(conn)
            answer = "%d %s" % (opcode, payload.hex())
        except Exception as error:
            answer = "none (%s)" % type(error).__name__
        with open(ARG, "w") as f:
            f.write(answer)
    elif MODE == "ws-garbage":
        while True:
            read_frame(conn)
            send_all(conn, frame(0x1, b"<html>not json</html>"))
    elif MODE == "ws-silent":
        while True:
            read_frame(conn)


def serve(conn, port):
    try:
        head = head_of(conn)
        if "/json/list" in head or "/json " in head:
            return list_answer(conn, port)
        if head.lower().find("upgrade: websocket") >= 0:
            return websocket(conn, head)
        if MODE == "body":
            size = int(ARG)
            send_all(conn, b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % size)
            zeros = b"\0" * (1 << 20)
            while size > 0 and send_all(conn, zeros[: min(size, len(zeros))]):
                size -= len(zeros)
        elif MODE == "chunked":
            send_all(conn, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            chunk = b"%x\r\n" % (1 << 20) + b"\0" * (1 << 20) + b"\r\n"
            while send_all(conn, chunk):
                pass
        elif MODE == "gzip":
            send_all(conn, b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nConnection: close\r\n\r\n")
            z = zlib.compressobj(9, zlib.DEFLATED, 31)
            piece = z.compress(b"\0" * (16 << 20)) + z.flush(zlib.Z_SYNC_FLUSH)
            while send_all(conn, piece):
                piece = z.compress(b"\0" * (16 << 20)) + z.flush(zlib.Z_SYNC_FLUSH)
        elif MODE == "record":
            with open(ARG, "w") as f:
                f.write(head)
            send_all(conn, b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\n\r\nnope")
        elif MODE == "trickle":
            send_all(conn, b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n")
            while send_all(conn, b"{"):
                time.sleep(1)
    except (OSError, EOFError):
        pass
    finally:
        conn.close()


def main():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    port = server.getsockname()[1]
    print(port, flush=True)
    threading.Timer(LIFETIME, lambda: os._exit(0)).start()
    for _ in range(MAX_CONNECTIONS):
        conn, _ = server.accept()
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 16)
        threading.Thread(target=serve, args=(conn, port), daemon=True).start()
    time.sleep(LIFETIME)


main()
