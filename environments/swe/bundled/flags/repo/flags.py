"""A tiny command-line flag parser: --name=value, --switch, and positional arguments."""


def parse_flags(argv):
    """Split argv into (options, positionals); ``--switch`` alone means True."""
    options, positionals = {}, []
    for arg in argv:
        if arg.startswith("--"):
            if "=" in arg:
                name, value = arg[2:].split("=")[:2]
                options[name] = value
            else:
                options[arg[2:]] = True
        else:
            positionals.append(arg)
    return options, positionals
