"""Records the OpenTelemetry Python SDK's TraceIdRatioBased decisions for sampling_test.go.

Run with the Flask app's virtual environment (scenarios/apps/flask/requirements.txt, which pins opentelemetry-sdk):
    ~/.cache/otelbench/venv/<hash>/bin/python python_decisions.py > python_decisions.json
"""
import json
import random

from opentelemetry.sdk.trace.sampling import Decision, TraceIdRatioBased
from opentelemetry.version import __version__

rng = random.Random(7)
cases = []
for rate in [0.0, 0.001, 0.1, 0.25, 1 / 3, 0.5, 0.9, 0.999, 1.0]:
    sampler = TraceIdRatioBased(rate)
    lows = [0, 1, (1 << 64) - 1]
    for edge in (sampler.bound - 1, sampler.bound, sampler.bound + 1):
        if 0 <= edge < (1 << 64):
            lows.append(edge)
    lows += [rng.getrandbits(64) for _ in range(40)]
    for low in lows:
        trace_id = (0xAB << 120) | (rng.getrandbits(56) << 64) | low
        decision = sampler.should_sample(None, trace_id, "x").decision
        cases.append({"rate": rate, "trace_id": format(trace_id, "032x"),
                      "sampled": decision == Decision.RECORD_AND_SAMPLE})
print('{"sdk": %s, "cases": [' % json.dumps("opentelemetry-sdk " + __version__))
print(",\n".join(json.dumps(c, separators=(",", ":")) for c in cases))
print("]}")
