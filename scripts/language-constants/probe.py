# Python: http.HTTPStatus. Iteration skips aliases, so each code has its canonical member.
import json
import platform
from http import HTTPStatus

constants = [{"code": s.value, "symbol": f"HTTPStatus.{s.name}", "reasonPhrase": s.phrase} for s in HTTPStatus]
print(json.dumps({"version": platform.python_version(), "constants": constants}))
