"""The workspace's starting state, kept where the agent cannot change it: shell scripts for git.

A sandbox records its workspace's start as a commit in a git directory outside the workspace,
:data:`BASELINE`. That directory belongs to root: ``/tmp`` is sticky, so the agent's user can
read the baseline but neither delete nor change it (``rm -rf /tmp/.agentgym-baseline`` is
refused). Root inside the container has no capabilities, though (``cap_drop=ALL``): it cannot
read a file the agent made private, nor write the agent's files. So the scripts split the work:

- :func:`commit_script` (run as root) records the start: it reads the workspace, which the
  sandbox first makes world-readable (:func:`readable_script`, run as the command user);
- :func:`scratch_script` (run as the command user) does everything that reads the workspace
  later (fingerprints, diffs, changed paths, putting files back): git's index and new objects
  go to a private temporary directory, and the baseline's objects are read as an *alternate*
  object store, read-only.

The agent's own git settings are ignored (``GIT_CONFIG_GLOBAL=/dev/null``, no system config, no
global excludes file), so a ``~/.gitconfig`` in the workspace (the agent's home) cannot change
what a diff shows.
"""

from __future__ import annotations

import shlex

BASELINE = "/tmp/.agentgym-baseline"
_IDENTITY = "-c user.name=agentgym -c user.email=agentgym@localhost"


def _git(workspace: str) -> str:
    return (f"git --git-dir={BASELINE} --work-tree={shlex.quote(workspace)} -c core.excludesFile=/dev/null "
            f"-c safe.directory='*' {_IDENTITY}")


def init_script(workspace: str) -> str:
    """Create the baseline (as root) and record the workspace as it is."""
    return f"umask 022 && {_git(workspace)} init -q && {commit_script(workspace)}"


def commit_script(workspace: str) -> str:
    """Record the workspace as the start (as root; the files must be readable by all)."""
    return f"umask 022 && {_git(workspace)} add -A && {_git(workspace)} commit -q --allow-empty -m start"


def readable_script(workspace: str) -> str:
    """Make the workspace readable by all (as the command user: it owns the files), so root can record it."""
    return f"chmod -R a+rX {shlex.quote(workspace)} 2>/dev/null; exit 0"


def owner_readable_script(workspace: str) -> str:
    """Give the owner back read access to files (and entry to directories) it took away from
    itself, so that a diff sees every file; only files lacking it are touched."""
    quoted = shlex.quote(workspace)
    return (f"find {quoted} \\( -type d ! -perm -u=rwx \\) -exec chmod u+rwx {{}} \\; -o "
            f"\\( ! -type l ! -type d ! -perm -u=r \\) -exec chmod u+r {{}} \\; 2>/dev/null; true")


def scratch_script(workspace: str, body: str) -> str:
    """``body`` run with ``g`` as git on the baseline, writing only to a private temporary
    index and object directory (removed afterwards); paths are literal, never globs."""
    return (
        "d=$(mktemp -d /tmp/.agentgym-git.XXXXXX) || exit 90\n"
        "trap 'rm -rf \"$d\"' EXIT\n"
        # the copy keeps the index's time: git's check for files changed in the second the index
        # was written ("racily clean") compares against it; a fresh time hides same-size edits
        f"cp --preserve=timestamps {BASELINE}/index \"$d/index\" && mkdir \"$d/objects\" || exit 90\n"
        f"export GIT_INDEX_FILE=\"$d/index\" GIT_OBJECT_DIRECTORY=\"$d/objects\" "
        f"GIT_ALTERNATE_OBJECT_DIRECTORIES={BASELINE}/objects GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 "
        "GIT_LITERAL_PATHSPECS=1\n"
        f"g() {{ {_git(workspace)} \"$@\"; }}\n"
        f"{body}"
    )


def state_body() -> str:
    """A fingerprint of the changes (unreadable files are skipped, not fatal)."""
    return "g add -A --ignore-errors 2>/dev/null; g diff --cached --binary HEAD | md5sum"


def diff_body() -> str:
    """The git-format diff of the workspace against the start (the repository's .gitignore holds)."""
    return "g add -A && g diff --cached --binary HEAD"


def changes_body() -> str:
    """Every changed path, NUL-separated ``status\\0path`` pairs, ignored files included (a
    ``.gitignore`` the agent wrote must not hide a file from the evaluation)."""
    return "g add -A -f && g diff --cached --name-status --no-renames -z HEAD"


def start_content_body(path: str) -> str:
    """The file ``path`` as it was at the start (exit code 3: it did not exist then)."""
    return f"g cat-file -e HEAD:{shlex.quote(path)} 2>/dev/null || exit 3\ng cat-file blob HEAD:{shlex.quote(path)}"


def apply_body(patch_file: str) -> str:
    """Apply a patch file to the work tree (git's view of the workspace, not a repository the
    agent may have made there)."""
    return f"g apply --whitespace=nowarn {shlex.quote(patch_file)}"


def restore_body(workspace: str, paths: list[str]) -> str:
    """Put ``paths`` back as they were at the start: checked out if they existed, removed if not."""
    lines = [f"cd {shlex.quote(workspace)} || exit 1", "status=0"]
    for path in paths:
        quoted = shlex.quote(path)
        lines.append(f"if g cat-file -e HEAD:{quoted} 2>/dev/null; then g checkout -q HEAD -- {quoted} || status=1; "
                     f"else rm -rf -- {quoted} || status=1; fi")
    lines.append("exit $status")
    return "\n".join(lines)
