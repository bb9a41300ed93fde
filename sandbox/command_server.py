"""A long-lived command server inside a sandbox: commands without the engine's exec set-up.

Every ``docker exec`` costs the engine a process set-up (50-60 ms on the 2-core machine this was
written on, whatever the command), which dominates an agent's ``ls`` or ``cat``. The server is
one ``docker exec`` kept open: a perl loop, running as the command user, that reads requests on
its stdin (the exec's attached stream) and runs each with :data:`sandbox.capped.PERL_RUN`, the
same time limit and output caps as the one-shot path, answering on its stdout.

Protocol (all lengths 32-bit big-endian): the client sends ``len, body`` with body = ``cap``
then the length-prefixed time limit, directory and command; the server answers ``started``
when the command is about to run, then ``status, stdout, stderr`` (status 32-bit signed,
outputs length-prefixed), each as a length-prefixed message. The server writes nothing before
the first request, so no byte of its output can be read ahead while the engine's HTTP upgrade
is parsed. Docker multiplexes the exec's stdout and stderr over the one connection (8-byte
frame headers); the server's own stderr (perl's complaints) is logged.

The agent runs as the same user as the server and can kill it (``kill -9 -1`` does): a request
that finds it gone before ``started`` is sent to a fresh server; one that loses it while the
command runs raises :class:`CommandKilled`, which the sandbox reports as exit status 137 (SIGKILL),
as a one-shot exec whose runner was killed does, unless the container itself stopped. The server
has the agent's rights and no more; the agent's own processes could tamper with what it reports,
as they could with a one-shot exec's pipes, so an evaluation first stops every process of the
agent (:meth:`sandbox.sandbox.Sandbox.stop_processes`, which ends the server too) and reads its
verdict from a file.
"""

from __future__ import annotations

import logging
import socket
import struct
import time
from typing import Any

from sandbox.capped import PERL_RUN

logger = logging.getLogger(__name__)

_SERVER = PERL_RUN + r"""
binmode STDIN;
binmode STDOUT;
sub take {
    my ($n) = @_;
    my $data = '';
    while (length $data < $n) {
        my $got = sysread(STDIN, $data, $n - length $data, length $data);
        return undef unless $got;
    }
    return $data;
}
while (defined(my $head = take(4))) {
    my $body = take(unpack('N', $head)) // last;
    my ($n, $t, $dir, $cmd) = unpack('N (N/a*)3', $body);
    put(\*STDOUT, pack('N/a*', 'started')) or last;
    put(\*STDOUT, pack('N/a*', pack('l> N/a* N/a*', run($n, $t, $cmd, $dir)))) or last;
}
"""
_STARTED = b"started"


class ServerGone(ConnectionError):
    """The server's connection closed (the server was killed, or its container stopped)."""


class CommandKilled(ConnectionError):
    """The server's connection closed while its command ran (the command killed it, or the container stopped)."""


class CommandServer:
    """The command server of one container, running as ``user``; starts it (one exec)."""

    def __init__(self, container: Any, user: str) -> None:
        api = container.client.api
        exec_id = api.exec_create(container.id, ["perl", "-e", _SERVER], stdin=True, stdout=True, stderr=True,
                                  user=user, workdir="/")["Id"]
        self._stream = api.exec_start(exec_id, socket=True)
        self._socket: socket.socket = getattr(self._stream, "_sock", self._stream)
        self._incoming = bytearray()  # the server's stdout, unframed, not yet read as messages
        self.user = user

    def run(self, command: str, cap: int, timeout: float, workdir: str, wait: float) -> tuple[int, bytes, bytes]:
        """Run ``command`` in ``workdir`` for at most ``timeout`` seconds (inside); its status and
        the first ``cap`` bytes of each output stream.

        Raises:
            ServerGone: before the command started (nothing ran: try again on a new server).
            CommandKilled: the connection closed while the command ran.
            TimeoutError: no answer within ``wait`` seconds (the outside limit).
        """
        fields = [f"{timeout:g}".encode(), workdir.encode(), command.encode()]
        body = struct.pack(">I", cap) + b"".join(struct.pack(">I", len(f)) + f for f in fields)
        deadline = time.monotonic() + wait
        try:
            self._socket.sendall(struct.pack(">I", len(body)) + body)
            if self._message(deadline) != _STARTED:
                raise ServerGone("the command server answered out of turn")
        except OSError as exc:  # the connection is gone: the request never reached a live server
            raise ServerGone(str(exc)) from exc
        try:
            reply = self._message(deadline)
        except ServerGone as exc:
            raise CommandKilled(str(exc)) from exc
        status, out_length = struct.unpack_from(">iI", reply)
        stdout = reply[8:8 + out_length]
        (err_length,) = struct.unpack_from(">I", reply, 8 + out_length)
        return status, stdout, reply[12 + out_length:12 + out_length + err_length]

    def close(self) -> None:
        """Close the connection (the server reads end-of-file and exits)."""
        for close in (self._socket.close, self._stream.close):
            try:
                close()
            except OSError:
                pass

    def _message(self, deadline: float) -> bytes:
        while True:
            if len(self._incoming) >= 4:
                (length,) = struct.unpack_from(">I", self._incoming)
                if len(self._incoming) >= 4 + length:
                    message = bytes(self._incoming[4:4 + length])
                    del self._incoming[:4 + length]
                    return message
            stream, payload = self._frame(deadline)
            if stream == 2:
                logger.warning("sandbox command server: %s", payload.decode(errors="replace").strip())
            else:
                self._incoming += payload

    def _frame(self, deadline: float) -> tuple[int, bytes]:
        header = self._read(8, deadline)
        stream, length = header[0], struct.unpack_from(">I", header, 4)[0]
        return stream, self._read(length, deadline)

    def _read(self, size: int, deadline: float) -> bytes:
        data = bytearray()
        while len(data) < size:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no answer from the sandbox's command server in time")
            self._socket.settimeout(left)
            try:
                chunk = self._socket.recv(size - len(data))
            except socket.timeout as exc:
                raise TimeoutError("no answer from the sandbox's command server in time") from exc
            except OSError as exc:
                raise ServerGone(str(exc)) from exc
            if not chunk:
                raise ServerGone("the command server's connection closed")
            data += chunk
        return bytes(data)
