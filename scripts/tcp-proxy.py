#!/usr/bin/env python3
"""A TCP forwarder for outage tests: listens on loopback and relays every connection to a
target. Killing it cuts every connection at once, as a network partition or a database host
going down would; starting it again on the same port heals the partition.

usage: tcp-proxy.py LISTEN_PORT TARGET_HOST TARGET_PORT   (LISTEN_PORT 0 picks one; prints the port)
"""
import socket
import sys
import threading

listen_port, target_host, target_port = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])


def pipe(source, sink):
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for end in (source, sink):
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", listen_port))
server.listen(128)
print(server.getsockname()[1], flush=True)
while True:
    client, _ = server.accept()
    try:
        upstream = socket.create_connection((target_host, target_port))
    except OSError:
        client.close()
        continue
    threading.Thread(target=pipe, args=(client, upstream), daemon=True).start()
    threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()
