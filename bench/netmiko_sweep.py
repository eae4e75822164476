#!/usr/bin/python3
"""The peer side of the sweep benchmark: the same per-firewall read plan as `sip-check sweep`, the usual way:
Netmiko (Debian's python3-netmiko, device_type='fortinet', fast_cli=True) in a ThreadPoolExecutor.

Reads one JSON object on stdin:
  {"firewalls": [{"host", "port"}], "username", "password", "commands": [...], "threads": int}
Writes one JSON object on stdout:
  {"netmiko": version, "seconds": wall, "sessions": [{"seconds"}], "errors": [str]}
"""
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor


def main():
    spec = json.load(sys.stdin)
    try:
        import netmiko
        from netmiko import ConnectHandler
    except ImportError as e:
        json.dump({"netmiko": None, "seconds": 0, "sessions": [], "errors": ["cannot import netmiko: %s" % e]}, sys.stdout)
        return

    def one(fw):
        t0 = time.monotonic()
        conn = ConnectHandler(device_type="fortinet", host=fw["host"], port=int(fw["port"]), username=spec["username"],
                              password=spec["password"], fast_cli=True, allow_agent=False, use_keys=False)
        for command in spec["commands"]:
            conn.send_command(command)
        conn.disconnect()
        return time.monotonic() - t0

    sessions = []
    errors = []
    t0 = time.monotonic()
    with ThreadPoolExecutor(max_workers=int(spec.get("threads", 20))) as pool:
        futures = [pool.submit(one, fw) for fw in spec["firewalls"]]
        for f in futures:
            try:
                sessions.append({"seconds": f.result()})
            except Exception as e:  # reported, not hidden
                errors.append("%s: %s" % (type(e).__name__, e))
    wall = time.monotonic() - t0
    json.dump({"netmiko": getattr(netmiko, "__version__", "?"), "seconds": wall, "sessions": sessions, "errors": errors}, sys.stdout)


if __name__ == "__main__":
    main()
