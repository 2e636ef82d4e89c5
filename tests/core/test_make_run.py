"""`make run` for a newcomer: it installs the runtime only, and Ctrl-C stops the server and the
worker at once (its trap, taken from the Makefile, is cleared before it signals its own group;
otherwise every signal it sends runs it again, until the shell overflows)."""

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAKEFILE = (ROOT / "Makefile").read_text()


def test_make_run_installs_the_runtime_only_and_make_test_the_tools():
    assert re.search(r"^run: install-runtime$", MAKEFILE, re.M)
    assert re.search(r"^test: install$", MAKEFILE, re.M)
    assert "-c constraints.txt -e .\n" in MAKEFILE and '-c constraints.txt -e ".[dev]"' in MAKEFILE


def test_the_worker_command_of_make_run_is_one_celery_accepts():
    """`--quiet` is one of celery's own options, before the command: after `worker` celery refuses
    it and the worker never starts (the server alone would run, with no reminders and no PDFs)."""
    command = re.search(r"\$\(BIN\)/celery ([^&]+)&", MAKEFILE)[1].split()
    assert command.index("--quiet") < command.index("worker")
    celery = Path(sys.executable).parent / "celery"  # the virtualenv's, as $(BIN)/celery
    parsed = subprocess.run(  # noqa: S603 (the Makefile's own command, asked for its help only)
        [str(celery), *command, "--help"], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert parsed.returncode == 0, parsed.stderr


def _alive(group: int) -> list[str]:
    """The processes of the group that still run (not the exited ones waiting to be reaped)."""
    ps = subprocess.run(  # noqa: S603 (a fixed command)
        [shutil.which("ps"), "-g", str(group), "-o", "stat="], capture_output=True, text=True
    )
    return [state for state in ps.stdout.split() if not state.startswith("Z")]


# A worker as the test's stand-in: it counts the signals it gets for a second, then says how many
COUNTER = """
import signal, sys, time
count = 0
def counted(*_):
    global count
    count += 1
signal.signal(signal.SIGINT, counted)
signal.signal(signal.SIGTERM, counted)
end = time.monotonic() + 1
while time.monotonic() < end:
    time.sleep(0.01)
print("signals", count, flush=True)
"""


def test_ctrl_c_stops_both_processes_at_once_and_signals_each_once(tmp_path):
    trap = re.search(r"(trap '[^']*' INT TERM EXIT)", MAKEFILE)[1]
    (tmp_path / "worker.py").write_text(COUNTER)
    worker = f"{shutil.which('python3')} {tmp_path / 'worker.py'}"
    script = f"{trap}; {worker} & sleep 60"  # the worker in the background, the server in front
    shell = subprocess.Popen(  # noqa: S603 (the Makefile's own trap)
        [shutil.which("sh"), "-c", script],
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    time.sleep(0.3)
    os.killpg(shell.pid, signal.SIGINT)  # what a terminal does on Ctrl-C
    output, _ = shell.communicate(timeout=30)  # the server would keep it a minute
    for _ in range(50):  # the worker ends on its own, a second after it started
        if not _alive(shell.pid):
            break
        time.sleep(0.1)
    assert _alive(shell.pid) == []
    assert b"Segmentation" not in output and b"recursion" not in output.lower()
    # Ctrl-C's SIGINT and the trap's SIGTERM; a trap that signals itself sent thousands
    assert re.search(rb"signals (\d+)", output)[1] in (b"1", b"2")
