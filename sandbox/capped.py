"""Running an agent's command inside its container, time-limited and output-capped.

Inside the container a command runs as ``timeout -k 2 LIMIT bash -c COMMAND`` and each of its
output streams keeps its first ``cap`` bytes; the rest is read and dropped, so the command runs
on undisturbed (no full pipe blocks it, no closed pipe kills it) and its exit status comes back
unchanged. Capping inside the container means a command printing gigabytes costs neither time
nor memory in the process that drives the sandbox.

One small perl routine (:data:`PERL_RUN`; every Debian and Ubuntu image has perl: ``perl-base``
is essential) does it: it starts ``timeout``, reads both pipes with ``select`` and returns the
command's status once ``timeout`` has exited and what was already written is drained. A
background job the command left holding the pipes cannot keep the call open. Two callers use it:
:func:`capped_argv`, one ``docker exec`` per command, and the long-lived command server of
:mod:`sandbox.command_server`, which saves the engine's exec set-up on every command. Images
without perl (e.g. busybox) get bash process substitutions with ``head -c`` then ``cat``.
"""

from __future__ import annotations

# run(CAP, LIMIT, COMMAND, DIR) -> (exit status, first CAP bytes of stdout, of stderr). Perl's
# signals are deferred: SIGCHLD interrupts select (EINTR), then waitpid tells whether `timeout`
# is gone; after that at most 16 more select rounds drain what the command wrote before it
# ended (a background job that keeps writing cannot hold the call). The command's stdin is
# /dev/null. No module is loaded: perl starts in ~1 ms. WNOHANG is 1 on Linux.
PERL_RUN = r"""
$SIG{CHLD} = sub {};
sub run {
    my ($n, $t, $cmd, $dir) = @_;
    pipe(my $or, my $ow) or die "pipe: $!";
    pipe(my $er, my $ew) or die "pipe: $!";
    my $pid = fork() // die "fork: $!";
    if (!$pid) {
        open(STDIN, '<', '/dev/null');
        open(STDOUT, '>&', $ow) or die "dup: $!";
        open(STDERR, '>&', $ew) or die "dup: $!";
        if (length $dir && !chdir $dir) { print STDERR "cannot enter $dir: $!\n"; exit 126; }
        exec('timeout', '-k', '2', $t, 'bash', '-c', $cmd) or exit 127;
    }
    close $ow;
    close $ew;
    my ($ko, $ke) = (fileno($or), fileno($er));
    my %kept = ($ko => '', $ke => '');
    my @open = ($or, $er);
    my ($status, $rounds) = (undef, 0);
    while (@open && $rounds < 16) {
        $status = $? if !defined $status && waitpid($pid, 1) == $pid;
        $rounds++ if defined $status;
        my $rin = '';
        vec($rin, fileno($_), 1) = 1 for @open;
        my $ready = select(my $rout = $rin, undef, undef, defined $status ? 0 : 0.25);
        if ($ready <= 0) { last if defined $status; next; }
        for my $fh (@open) {
            next unless vec($rout, fileno($fh), 1);
            my $got = sysread($fh, my $buf, 65536);
            if (!$got) { $fh = undef; next; }
            my $k = \$kept{fileno($fh)};
            $$k .= substr($buf, 0, $n - length $$k) if length $$k < $n;
        }
        @open = grep { defined } @open;
    }
    if (!defined $status) { waitpid($pid, 0); $status = $?; }
    close $or;
    close $er;
    return (($status & 127 ? 128 + ($status & 127) : $status >> 8), $kept{$ko}, $kept{$ke});
}
sub put {
    my ($fh, $data) = @_;
    while (length $data) {
        my $wrote = syswrite($fh, $data) // return 0;
        substr($data, 0, $wrote) = '';
    }
    return 1;
}
"""

# $ARGV: the cap, the time limit, the command (run in the exec's own directory).
_ONE_SHOT = PERL_RUN + r"""
my ($status, $out, $err) = run(@ARGV[0 .. 2], '');
put(\*STDOUT, $out);
put(\*STDERR, $err);
exit $status;
"""

# $1 the command, $2 the cap, $3 the time limit, $4 the perl program.
_SHELL = ('command -v perl >/dev/null && exec perl -e "$4" "$2" "$3" "$1"\n'
          'cap=(head -c "$2"); command -v stdbuf >/dev/null && cap=(stdbuf -o0 head -c "$2")\n'
          'exec 3> >("${cap[@]}"; exec cat >/dev/null)\n'
          'exec 4> >(exec 3>&-; "${cap[@]}" >&2; exec cat >/dev/null)\n'
          'timeout -k 2 "$3" bash -c "$1" >&3 2>&4 3>&- 4>&-\n'
          'status=$?\nexec 3>&- 4>&-\nexit $status')


def capped_argv(command: str, cap: int, timeout: float) -> list[str]:
    """The ``exec`` argv running ``command`` (bash) for at most ``timeout`` seconds, each output
    stream cut at ``cap`` bytes inside the container."""
    return ["bash", "-c", _SHELL, "agentgym-exec", command, str(cap), f"{timeout:g}", _ONE_SHOT]
