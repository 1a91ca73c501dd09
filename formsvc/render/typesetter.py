"""The typesetter: a process of its own that sets Typst documents for typeset.py.

typeset.py runs it by path, `python -I typesetter.py FONT_FOLDERS_JSON PARENT_PID`.

Typst keeps what it laid out for the documents it set last, and the memory never returns to the
system: a process that set a few 1,000-row listings would hold gigabytes. So the setting is done
here, in a process typeset.py replaces once it has grown past its limit. It imports Typst alone
(never the service), reads requests on stdin and answers on stdout, and ends when stdin closes,
as when the service that started it ends.

A request is 8 bytes of length, then JSON: template, root, packages (the folder of the local
Typst packages) and inputs (sys.inputs). An answer is a flag (set, or refused), the process's
resident memory in MB, the length, then the PDF or why it was refused. It also ends when the
process that started it has ended, even if a fork of that one still holds its stdin.
"""

from __future__ import annotations

import json
import os
import struct
import sys
import threading
import time
from typing import Any, BinaryIO

import typst

REQUEST = struct.Struct("!Q")
ANSWER = struct.Struct("!?QQ")


def resident_mb() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 2**20


def read_exactly(stream: BinaryIO, size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise EOFError
    return data


def serve(requests: BinaryIO, answers: BinaryIO, font_folders: list[str]) -> None:
    fonts = typst.Fonts(include_system_fonts=False, include_embedded_fonts=False,
                        font_paths=font_folders)
    compilers: dict[tuple[str, str, str], Any] = {}
    while True:
        try:
            (length,) = REQUEST.unpack(read_exactly(requests, REQUEST.size))
            request = json.loads(read_exactly(requests, length))
        except EOFError:
            return
        key = (request["template"], request["root"], request["packages"])
        try:
            if key not in compilers:
                compilers[key] = typst.Compiler(
                    request["template"], root=request["root"], font_paths=fonts,
                    package_path=request["packages"])
            result = compilers[key].compile(format="pdf", sys_inputs=request["inputs"],
                                            pdf_tags=False)
            done = True
        except BaseException as error:  # Typst's errors, a bad path, a panic: refused, not fatal
            if isinstance(error, SystemExit | KeyboardInterrupt):
                raise
            compilers.pop(key, None)
            result, done = f"{type(error).__name__}: {error}".encode("utf-8", "replace"), False
        answers.write(ANSWER.pack(done, resident_mb(), len(result)) + result)
        answers.flush()


def watch_parent(parent: int) -> None:
    """End this process once parent, the one that started it, has ended, even if another
    process still holds the pipe it reads from (a fork of the parent)."""
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(0)


def main() -> None:
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # whatever else writes to stdout goes to the log, not into an answer
    # the parent names itself: one that ended before this process got here is already gone
    threading.Thread(target=watch_parent, args=(int(sys.argv[2]),), daemon=True).start()
    serve(sys.stdin.buffer, answers, json.loads(sys.argv[1]))


if __name__ == "__main__":
    main()
