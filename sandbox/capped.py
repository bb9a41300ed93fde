"""The command line that runs an agent's command inside its container, time-limited and output-capped.

:func:`capped_argv` wraps a shell command so that, inside the container, it runs under
``timeout -k 2 LIMIT bash -c COMMAND`` and each of its output streams keeps its first
``cap`` bytes; the rest is read and dropped, so the command runs on undisturbed (no full pipe
blocks it, no closed pipe kills it) and its exit status comes back unchanged. Capping inside
the container means a command printing gigabytes costs neither time nor memory in the process
that drives the sandbox.

Where the image has perl (every Debian and Ubuntu image: ``perl-base`` is essential), one small
perl process does it all: it starts ``timeout``, reads both pipes with ``select`` and exits with
the command's status once ``timeout`` has exited and what was already written is drained. A
background job the command left holding the pipes cannot keep the call open. That is three
processes per command (perl, timeout, bash), which keeps ``Sandbox.exec("true")`` within a few
milliseconds of a bare ``docker exec``. Without perl (e.g. busybox images), bash process
substitutions with ``head -c`` then ``cat`` do the same with a few more processes.
"""

from __future__ import annotations

# $ARGV: the cap (bytes kept per stream), the time limit, the command. Signals are Perl's
# deferred ones: SIGCHLD interrupts select (EINTR) and sets $done; after that at most 16 more
# select rounds drain what the command wrote before it ended (a background job that keeps
# writing cannot hold the call). No module is loaded: perl starts in ~1 ms.
_RUNNER = r"""
my ($n, $t, $cmd) = @ARGV;
my $done = 0;
$SIG{CHLD} = sub { $done = 1 };
pipe(my $or, my $ow) or die "pipe: $!";
pipe(my $er, my $ew) or die "pipe: $!";
my $pid = fork() // die "fork: $!";
if (!$pid) {
    open(STDOUT, '>&', $ow) or die "dup: $!";
    open(STDERR, '>&', $ew) or die "dup: $!";
    exec('timeout', '-k', '2', $t, 'bash', '-c', $cmd) or exit 127;
}
close $ow;
close $ew;
my %left = (fileno($or) => $n, fileno($er) => $n);
my %dest = (fileno($or) => \*STDOUT, fileno($er) => \*STDERR);
my @open = ($or, $er);
my $rounds = 0;
while (@open && $rounds < 16) {
    $rounds++ if $done;
    my $rin = '';
    vec($rin, fileno($_), 1) = 1 for @open;
    my $ready = select(my $rout = $rin, undef, undef, $done ? 0 : 0.25);
    if ($ready <= 0) { last if $done; next; }
    for my $fh (@open) {
        next unless vec($rout, fileno($fh), 1);
        my $got = sysread($fh, my $buf, 65536);
        if (!$got) { $fh = undef; next; }
        my $k = fileno($fh);
        next if $left{$k} <= 0;
        my $w = substr($buf, 0, $left{$k});
        $left{$k} -= length $w;
        while (length $w) {
            my $wrote = syswrite($dest{$k}, $w);
            if (!defined $wrote) { $left{$k} = 0; last; }
            substr($w, 0, $wrote) = '';
        }
    }
    @open = grep { defined } @open;
}
waitpid($pid, 0);
exit($? & 127 ? 128 + ($? & 127) : $? >> 8);
"""

# $1 the command, $2 the cap, $3 the time limit, $4 the perl runner.
_SHELL = ('command -v perl >/dev/null && exec perl -e "$4" "$2" "$3" "$1"\n'
          'cap=(head -c "$2"); command -v stdbuf >/dev/null && cap=(stdbuf -o0 head -c "$2")\n'
          'exec 3> >("${cap[@]}"; exec cat >/dev/null)\n'
          'exec 4> >(exec 3>&-; "${cap[@]}" >&2; exec cat >/dev/null)\n'
          'timeout -k 2 "$3" bash -c "$1" >&3 2>&4 3>&- 4>&-\n'
          'status=$?\nexec 3>&- 4>&-\nexit $status')


def capped_argv(command: str, cap: int, timeout: float) -> list[str]:
    """The ``exec`` argv running ``command`` (bash) for at most ``timeout`` seconds, each output
    stream cut at ``cap`` bytes inside the container."""
    return ["bash", "-c", _SHELL, "agentgym-exec", command, str(cap), f"{timeout:g}", _RUNNER]
