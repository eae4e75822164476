#!/usr/bin/python3
"""The peer side of `npm run bench` (netmiko section): the same config-read command plan as sip-check, run by
Netmiko (Debian's python3-netmiko 2.4.2, device_type='fortinet') against the FortiGate simulator.

Reads one JSON object on stdin:
  {"host", "port", "username", "password", "commands": [...], "fast_cli": bool, "runs": int}
Writes one JSON object on stdout:
  {"netmiko": version, "sessions": [{"seconds", "connect_seconds", "commands", "chars"}], "error": str|null}

Per session: ConnectHandler (SSH + Netmiko's session_preparation, which writes `config system console` /
`set output standard`), send_command per command (waits for the prompt), disconnect (cleanup() writes the
console output mode back). Timed with time.monotonic(); nothing else.

Netmiko runs as shipped: its FortiOS driver limits paramiko to group14-sha1 and group-exchange key
exchanges, which the simulator offers the way a FortiGate does (group14-sha1; no group exchange, which the
ssh2 server cannot serve).
"""
import json
import sys
import time


def main():
    spec = json.load(sys.stdin)
    try:
        import netmiko
        from netmiko import ConnectHandler
    except ImportError as e:
        json.dump({"netmiko": None, "sessions": [], "error": "cannot import netmiko: %s" % e}, sys.stdout)
        return
    sessions = []
    error = None
    for _ in range(int(spec.get("runs", 1))):
        try:
            t0 = time.monotonic()
            conn = ConnectHandler(
                device_type="fortinet",
                host=spec["host"],
                port=int(spec["port"]),
                username=spec["username"],
                password=spec["password"],
                fast_cli=bool(spec.get("fast_cli", False)),
                allow_agent=False,
                use_keys=False,
            )
            t1 = time.monotonic()
            chars = 0
            for command in spec["commands"]:
                chars += len(conn.send_command(command))
            conn.disconnect()
            t2 = time.monotonic()
            sessions.append({"seconds": t2 - t0, "connect_seconds": t1 - t0, "commands": len(spec["commands"]), "chars": chars})
        except Exception as e:  # report, do not hide: the bench prints it as a note
            error = "%s: %s" % (type(e).__name__, e)
            break
    json.dump({"netmiko": getattr(netmiko, "__version__", "?"), "sessions": sessions, "error": error}, sys.stdout)


if __name__ == "__main__":
    main()
