"""The one exception type the library raises for bad input."""


class InputError(Exception):
    """Input the library cannot work with (unreadable file, binary data, no text …).

    The message is one line that names the file; the CLI prints it and exits with code 2.
    """
