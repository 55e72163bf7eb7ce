#!/usr/bin/env python3
"""Load for running Ferry gateways: documents of 100 format-A records (every one new), posted
by the HR sender over keep-alive connections on loopback. URLS is one gateway URL or several,
comma-separated (instances sharing one PostgreSQL store): connections and requests are spread
over them in turn, as a round-robin load balancer would.

usage: gateway-load.py URLS max SECONDS CONNECTIONS     most records/s accepted durably
       gateway-load.py URLS rate SECONDS RECORDS_PER_S  latency at a fixed (open-loop) rate
       gateway-load.py URLS drain                        delivered records/s until the queue is empty
Prints one JSON object.
"""
import http.client
import json
import os
import random
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from generate import person  # noqa: E402

HEAD = ('<?xml version="1.0" encoding="windows-1251"?>\n'
        '<Выгрузка Система="АСУ Кадры" Версия="2.3" ДатаВыгрузки="25.11.2026 14:03:11" ЧасовойПояс="+03:00">\n'
        '  <Сотрудники>\n')
TAIL = "  </Сотрудники>\n</Выгрузка>\n"
counter = [int(time.time() * 1000) % 1_000_000_000]
lock = threading.Lock()


def document(records=100):
    with lock:
        seed = counter[0]
        counter[0] += 1
    rnd = random.Random(seed)
    body = HEAD + "".join(person(seed * 100 + i, rnd) for i in range(records)) + TAIL
    return body.encode("windows-1251")


def post(connection, body):
    started = time.perf_counter()
    connection.request("POST", "/v1/documents", body=body, headers={
        "Authorization": "Bearer hr-demo-token", "Content-Type": "application/xml"})
    response = connection.getresponse()
    answer = response.read()
    elapsed = time.perf_counter() - started
    accepted = json.loads(answer).get("accepted", 0) if response.status == 202 else 0
    return response.status, accepted, elapsed


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else None


def metrics(urls):
    """Records delivered by all instances, and the queue depth of their shared store."""
    delivered, depth = 0.0, 0.0
    for url in urls:
        target = urllib.parse.urlparse(url)
        connection = http.client.HTTPConnection(target.hostname, target.port)
        connection.request("GET", "/metrics", headers={"Authorization": "Bearer ops-demo-token"})
        text = connection.getresponse().read().decode()
        delivered += sum(float(line.split()[-1]) for line in text.splitlines()
                         if line.startswith("ferry_records_delivered_total"))
        depths = [float(line.split()[-1]) for line in text.splitlines() if line.startswith("ferry_queue_depth")]
        depth = max(depth, depths[0] if depths else 0)
    return delivered, depth


def run_max(urls, seconds, connections):
    targets = [urllib.parse.urlparse(url) for url in urls]
    results = []
    deadline = time.perf_counter() + seconds
    bodies = [document() for _ in range(connections * 4)]  # warm the generator; more are made on the way

    def worker(index):
        target = targets[index % len(targets)]
        connection = http.client.HTTPConnection(target.hostname, target.port)
        mine = []
        body = bodies[index]
        while time.perf_counter() < deadline:
            mine.append(post(connection, body))
            body = document()
        with lock:
            results.extend(mine)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    latencies = [r[2] for r in results if r[0] == 202]
    return {"mode": "max", "instances": len(urls), "connections": connections, "seconds": round(wall, 2), "documents": len(results),
            "statuses": sorted({r[0] for r in results}),
            "accepted_records": sum(r[1] for r in results),
            "accepted_records_per_s": round(sum(r[1] for r in results) / wall, 1),
            "p50_ms": round(percentile(latencies, 0.5) * 1000, 1), "p99_ms": round(percentile(latencies, 0.99) * 1000, 1)}


def run_rate(urls, seconds, records_per_s):
    targets = [urllib.parse.urlparse(url) for url in urls]
    interval = 100 / records_per_s
    count = int(seconds / interval)
    bodies = [document() for _ in range(count)]
    results = []
    start = time.perf_counter() + 0.2

    def send(index):
        delay = start + index * interval - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        target = targets[index % len(targets)]
        connection = http.client.HTTPConnection(target.hostname, target.port)
        result = post(connection, bodies[index])
        connection.close()
        with lock:
            results.append(result)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies = [r[2] for r in results if r[0] == 202]
    return {"mode": "rate", "instances": len(urls), "records_per_s": records_per_s, "documents": len(results),
            "statuses": sorted({r[0] for r in results}), "accepted_records": sum(r[1] for r in results),
            "p50_ms": round(percentile(latencies, 0.5) * 1000, 1), "p99_ms": round(percentile(latencies, 0.99) * 1000, 1)}


def run_drain(urls):
    started = time.perf_counter()
    first, _ = metrics(urls)
    while True:
        delivered, depth = metrics(urls)
        if depth == 0:
            break
        time.sleep(0.2)
    wall = time.perf_counter() - started
    return {"mode": "drain", "seconds": round(wall, 2), "delivered_records": delivered - first,
            "delivered_records_per_s": round((delivered - first) / wall, 1) if wall > 0 else None}


if __name__ == "__main__":
    urls, mode = sys.argv[1].split(","), sys.argv[2]
    if mode == "max":
        print(json.dumps(run_max(urls, float(sys.argv[3]), int(sys.argv[4]))))
    elif mode == "rate":
        print(json.dumps(run_rate(urls, float(sys.argv[3]), float(sys.argv[4]))))
    else:
        print(json.dumps(run_drain(urls)))
