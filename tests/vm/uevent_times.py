#!/usr/bin/env python3
"""Prints each kernel uevent as it arrives: MONOTONIC_NS ACTION DEVPATH DEVTYPE DRIVER.
Listens on the same netlink group the agents read, so its clock is the kernel's own moment of
sending, give or take the scheduling of this reader, which is the same for every agent measured."""
import socket
import sys
import time

NETLINK_KOBJECT_UEVENT = 15
sock = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, NETLINK_KOBJECT_UEVENT)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
sock.bind((0, 1))
print("ready", flush=True)
while True:
    msg = sock.recv(65536)
    now = time.monotonic_ns()
    if msg.startswith(b"libudev"):
        continue
    env = dict(p.split("=", 1) for p in msg.decode(errors="replace").split("\0")[1:] if "=" in p)
    print(now, env.get("ACTION", "-"), env.get("DEVPATH", "-"), env.get("DEVTYPE", "-"), env.get("DRIVER", "-"),
          flush=True)
