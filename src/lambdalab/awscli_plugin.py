"""AWS CLI v1 plugin: ``aws logs tail``, the CLI v2 command that v1 lacks.

The article runs ``aws logs tail "/aws/lambda/s3_move_lambda_function" --follow``; the course
installs AWS CLI v1 (the one on PyPI), which answers "Invalid choice". The lab's AWS config
(``lambdalab/aws-config``, ``AWS_CONFIG_FILE`` while a lab runs) lists this module in its
``[plugins]`` section, and CLI v1 then calls :func:`awscli_initialize` at start-up
(``awscli/plugin.py``). It adds ``tail`` to the ``logs`` command table with CLI v2's options;
the work is :func:`lambdalab.logs.tail`, the same code as ``lambdalab logs tail``.

CLI v2 has ``logs tail`` built in, so there this plugin adds nothing.
"""

from __future__ import annotations

from typing import Any

from awscli.customizations.commands import BasicCommand

_STRINGS = {"type": "array", "items": {"type": "string"}}


def awscli_initialize(cli: Any) -> None:
    """Entry point CLI v1 calls for every plugin in the config's ``[plugins]`` section."""
    cli.register("building-command-table.logs", add_tail_command)


def add_tail_command(command_table: dict[str, Any], session: Any, **_: Any) -> None:
    """Add ``logs tail`` unless the CLI already has one (v2, or a future v1)."""
    command_table.setdefault("tail", TailCommand(session))


class TailCommand(BasicCommand):
    """``aws logs tail LOG_GROUP [--since] [--follow] [--format] [--filter-pattern] …``."""

    NAME = "tail"
    DESCRIPTION = (
        "Tails the logs for a CloudWatch Logs group (the AWS CLI v2 command, added to "
        "AWS CLI v1 by lambdalab). By default, the command returns the events of the last "
        "10 minutes from all the group's log streams; --follow keeps polling every 5 seconds "
        "for new events until Ctrl-C. See "
        "https://awscli.amazonaws.com/v2/documentation/api/latest/reference/logs/tail.html"
    )
    ARG_TABLE = [
        {
            "name": "group_name",
            "positional_arg": True,
            "synopsis": "<group_name>",
            "help_text": "The name of the CloudWatch Logs group.",
        },
        {
            "name": "since",
            "default": "10m",
            "help_text": (
                "From what time to begin displaying logs. By default, logs will be displayed "
                "starting from 10 minutes in the past. The value can be a timestamp (for "
                "example 2024-01-31T15:00:00Z) or a relative time: a number followed by one "
                "unit, s (seconds), m (minutes), h (hours), d (days) or w (weeks), e.g. 1h."
            ),
        },
        {
            "name": "follow",
            "action": "store_true",
            "default": False,
            "help_text": "Whether to continuously poll for new logs (every 5 seconds).",
        },
        {
            "name": "format",
            "default": "detailed",
            "choices": ["detailed", "short", "json"],
            "help_text": (
                "The format to display the logs: detailed (timestamp, log stream name, "
                "message), short (a shorter timestamp and the message) or json (detailed, "
                "with JSON messages pretty-printed)."
            ),
        },
        {
            "name": "filter-pattern",
            "help_text": (
                "The filter pattern to use. See "
                "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/"
                "FilterAndPatternSyntax.html"
            ),
        },
        {
            "name": "log-stream-names",
            "nargs": "+",
            "schema": _STRINGS,
            "help_text": (
                "The list of stream names to filter logs by. Cannot be used with "
                "--log-stream-name-prefix."
            ),
        },
        {
            "name": "log-stream-name-prefix",
            "help_text": (
                "The prefix to filter log streams by. Cannot be used with --log-stream-names."
            ),
        },
    ]

    def _run_main(self, parsed_args: Any, parsed_globals: Any) -> int:
        from awscli.utils import create_nested_client

        from lambdalab import logs

        client = create_nested_client(
            self._session,
            "logs",
            region_name=parsed_globals.region,
            endpoint_url=parsed_globals.endpoint_url,
            verify=parsed_globals.verify_ssl,
        )
        color = getattr(parsed_globals, "color", None) or "auto"  # v1's global --color
        return logs.run(parsed_args, color=color, client=client)
