"""Checks the host's deliveries with the PyPI `standardwebhooks` package: the
published verifier, not ours. Reads the cases file named on the command line
and prints what the verifier said of each delivery."""
import json
import sys

from standardwebhooks.webhooks import Webhook


def verdict(secret, body, headers):
    try:
        Webhook(secret).verify(body, headers)
        return "ok"
    except Exception as error:  # the verifier's refusal, whatever its class
        return f"refused: {error}"


def old_headers(headers):
    return {**headers, "webhook-timestamp": str(int(headers["webhook-timestamp"]) - 600)}


with open(sys.argv[1], encoding="utf-8") as file:
    cases = json.load(file)
results = [
    {
        "current": verdict(cases["current"], d["body"], d["headers"]),
        "previous": verdict(cases["previous"], d["body"], d["headers"]),
        "unrelated": verdict(cases["unrelated"], d["body"], d["headers"]),
        "tampered": verdict(cases["current"], d["body"].replace("}", ',"tampered":true}', 1), d["headers"]),
        "old": verdict(cases["current"], d["body"], old_headers(d["headers"])),
    }
    for d in cases["deliveries"]
]
print(json.dumps(results))
