"""A real SMTP server for wtmap's email tests: aiosmtpd on loopback, saving every message.

Each accepted message becomes two files in OUT: `<n>.eml` (the message as received) and
`<n>.json` (envelope sender, recipients, the login used). The JSON is written first and the
`.eml` is renamed into place last, so a test that sees the `.eml` sees both whole.

    python wtmap_smtp_sink.py --port PORT --out DIR [--auth USER:PASSWORD]

With --auth the server offers AUTH PLAIN/LOGIN without TLS (loopback only) and refuses mail
from clients that did not log in with exactly that user and password. The handler class also
works with aiosmtpd's own launcher: `python -m aiosmtpd -n -l 127.0.0.1:PORT -c
wtmap_smtp_sink.Saver DIR` (with this folder on PYTHONPATH).
"""

import argparse
import itertools
import json
import os
import pathlib
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Saver:
    """Saves each message to a folder."""

    def __init__(self, out):
        self.out = pathlib.Path(out)
        self.out.mkdir(parents=True, exist_ok=True)
        self.counter = itertools.count(1)

    async def handle_DATA(self, server, session, envelope):
        n = next(self.counter)
        auth = session.auth_data
        login = auth.login.decode() if isinstance(auth, LoginPassword) else None
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "login": login,
        }
        (self.out / f"{n}.json").write_text(json.dumps(meta))
        tmp = self.out / f"{n}.eml.tmp"
        tmp.write_bytes(envelope.original_content or envelope.content)
        os.replace(tmp, self.out / f"{n}.eml")
        return "250 Message accepted for delivery"


class Authenticator:
    """Accepts exactly one user and password."""

    def __init__(self, user, password):
        self.user = user.encode()
        self.password = password.encode()

    def __call__(self, server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == self.user
            and auth_data.password == self.password
        )
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--auth")
    args = parser.parse_args()
    kwargs = {}
    if args.auth:
        user, _, password = args.auth.partition(":")
        kwargs = dict(
            authenticator=Authenticator(user, password),
            auth_required=True,
            auth_require_tls=False,
        )
    controller = Controller(Saver(args.out), hostname="127.0.0.1", port=args.port, **kwargs)
    controller.start()
    # Serve until killed (the test kills the process when it is done).
    threading.Event().wait()


if __name__ == "__main__":
    main()
