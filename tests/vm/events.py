#!/usr/bin/env python3
"""Prints the agent journal's USB events, one per line: TYPE SERIAL RULE VIOLATION OUTCOME PORT PRODUCT
(the product name last, since it may hold spaces), and its refused or reported program starts:
SOFTWARE_UNAPPROVED_EXEC PATH RULE VIOLATION OUTCOME, then "outside" for one started outside the watch.
A minimal protobuf reader (no generated code), so the guest needs nothing but python3 and sqlite3."""
import sqlite3
import sys

TYPES = {20: "USB_ATTACHED", 21: "USB_ALLOWED", 22: "USB_ALLOWED_READONLY", 23: "USB_BLOCKED", 24: "USB_DETACHED"}
OUTCOMES = {0: "-", 1: "ENFORCED", 2: "MONITORED", 3: "EXEMPTED", 4: "ALLOWED", 5: "REPORTED"}


def fields(buf):
    i = 0
    while i < len(buf):
        key, i = varint(buf, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            val, i = varint(buf, i)
        elif wt == 2:
            n, i = varint(buf, i)
            val, i = buf[i:i + n], i + n
        elif wt == 1:
            val, i = buf[i:i + 8], i + 8
        elif wt == 5:
            val, i = buf[i:i + 4], i + 4
        else:
            return
        yield num, val


def varint(buf, i):
    shift = result = 0
    while True:
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return result, i


db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
for (body,) in db.execute("SELECT body FROM events ORDER BY seq"):
    f = {}
    for num, val in fields(body):
        f[num] = val
    t = f.get(6, 0)
    if t == 63:
        sw = dict(fields(f.get(25, b"")))
        print("SOFTWARE_UNAPPROVED_EXEC", sw.get(3, b"").decode(errors="replace") or "-", f.get(8, b"").decode() or "-",
              f.get(10, 0), OUTCOMES.get(f.get(11, 0), "?"), *(["outside"] if sw.get(9) else []))
        continue
    if t not in TYPES:
        continue
    usb = dict(fields(f.get(23, b"")))
    print(TYPES[t], usb.get(3, b"").decode() or "-", f.get(8, b"").decode() or "-",
          f.get(10, 0), OUTCOMES.get(f.get(11, 0), "?"), usb.get(7, b"").decode() or "-",
          usb.get(5, b"").decode(errors="replace") or "-")
