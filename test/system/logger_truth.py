"""What pbxsim's ground truth says the logger must have built: the calls and segments of
each truth `call` line, by the rules in services/logger/README.md.

A segment starts at the first `queue` or `ring` of a call, and a new one when the call rings
or is answered at a device that is not ringing in the current segment (after a divert or a
transfer); devices rung while the segment still rings unanswered (all-ring, the delivery out
of a queue) join it.  Ring time runs to the answer (or the end of the segment), talk time from
the answer to the end less hold."""


def segments(call):
    """[{start, answer, end, ring, talk, hold, target, answered_by, devices}] of one truth call."""
    segs = []
    cur = None
    ringing = set()
    holds = {}
    end = call["end"]

    def close(at):
        nonlocal cur
        if cur is None:
            return
        cur["end"] = at
        for dev, since in list(holds.items()):
            cur["hold"] += at - since
            holds[dev] = at
        segs.append(cur)
        cur = None

    def new(at, dev):
        nonlocal cur
        close(at)
        cur = {"start": at, "answer": None, "end": None, "hold": 0, "target": dev,
               "answered_by": None, "devices": [dev]}

    for ev in call["events"]:
        at, kind = ev["at"], ev["ev"]
        if kind == "queue":
            if cur is None or cur["answer"] is not None or not (ringing or cur.get("queued")):
                new(at, ev["group"])
                cur["queued"] = True
                ringing = set()
        elif kind == "ring":
            dev = ev["dev"]
            if cur is not None and cur["answer"] is None and (ringing or cur.get("queued")):
                if dev not in cur["devices"]:
                    cur["devices"].append(dev)
                cur["queued"] = False
            else:
                new(at, dev)
            ringing.add(dev)
        elif kind == "divert":
            ringing.discard(ev["from"])
            if cur is not None and not ringing and cur["answer"] is None and not cur.get("queued"):
                close(at)
        elif kind == "answer":
            dev = ev["dev"]
            if cur is None or (cur["answer"] is not None) or (dev not in ringing and dev not in cur["devices"]):
                new(at, dev)
            if cur["answer"] is None:
                cur["answer"] = at
                cur["answered_by"] = dev
            ringing = set()
        elif kind == "hold":
            holds.setdefault(ev["dev"], at)
        elif kind == "retrieve":
            since = holds.pop(ev["dev"], None)
            if since is not None and cur is not None:
                cur["hold"] += at - since
        elif kind == "conference":
            since = holds.pop(ev["by"], None)
            if since is not None and cur is not None:
                cur["hold"] += at - since
        elif kind == "transfer":
            since = holds.pop(ev["by"], None)
            if since is not None and cur is not None:
                cur["hold"] += at - since
            close(at)
            ringing = set()
    if cur is not None:
        close(end)
    for s in segs:
        s["ring"] = (s["answer"] or s["end"]) - s["start"]
        s["talk"] = s["end"] - s["answer"] - s["hold"] if s["answer"] is not None else 0
        if s["answer"] is None:
            s["hold"] = 0
    return segs
