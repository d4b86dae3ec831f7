#!/usr/bin/env python3
"""Decision latencies from a uevent_times.py log: for each hot-plugged USB device, the time from
its "add" to the "add" of its first interface (the kernel makes the interfaces right after the
device's authorized attribute is set to 1) and to the "bind" of DRIVER to one of its interfaces
(usable: usb-storage for a stick, usbhid for a keyboard).
usage: latency.py LOG [DRIVER]   prints one line per plug: AUTHORIZED_MS USABLE_MS"""
import sys

driver_wanted = sys.argv[2] if len(sys.argv) > 2 else "usb-storage"
adds = {}
out = {}
for line in open(sys.argv[1]):
    parts = line.split()
    if len(parts) != 5:
        continue
    t, action, path, devtype, driver = int(parts[0]), parts[1], parts[2], parts[3], parts[4]
    if action == "add" and devtype == "usb_device":
        adds[path] = t
        out[(path, t)] = [None, None]
        continue
    if devtype != "usb_interface":
        continue
    parent = path.rsplit("/", 1)[0]
    if parent not in adds:
        continue
    rec = out[(parent, adds[parent])]
    if action == "add" and rec[0] is None:
        rec[0] = (t - adds[parent]) / 1e6
    if action == "bind" and driver == driver_wanted and rec[1] is None:
        rec[1] = (t - adds[parent]) / 1e6
for (path, t), (auth, usable) in sorted(out.items(), key=lambda kv: kv[0][1]):
    if auth is not None and usable is not None:
        print(f"{auth:.2f} {usable:.2f}")
