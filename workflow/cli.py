"""``flask --app wsgi relais ...`` commands. Thin: they call the services."""
import click
from flask import current_app
from flask.cli import AppGroup

from .domain.errors import DomainError

relais_cli = AppGroup("relais", help="Relais administration commands.")


def _fail(exc):
    raise click.ClickException(exc.detail)


@relais_cli.command("demo")
@click.option("--if-empty", is_flag=True, help="Do nothing if the database already has users.")
def demo_command(if_empty):
    """Load a realistic demo network (refused under the Production config)."""
    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException("The demo data must not be loaded under the Production config.")
    from .demo import PASSWORD, accounts_by_role, load_demo

    if not load_demo(if_empty=if_empty):
        click.echo("Database already has data: demo not loaded.")
        return
    click.echo(f"Demo loaded. Every account's password is {PASSWORD}:")
    for role, usernames in accounts_by_role().items():
        click.echo(f"  {role}: {', '.join(usernames)}")


@relais_cli.command("create-user")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--display-name")
@click.option("--email")
@click.option("--library")
@click.option("--coordinator", is_flag=True)
@click.option("--admin", is_flag=True)
def create_user_command(username, password, display_name, email, library, coordinator, admin):
    """Create an account."""
    from .services.accounts import create_user

    try:
        user = create_user(username, password, display_name=display_name, email=email, library=library,
                           coordinator=coordinator, admin=admin)
    except DomainError as exc:
        _fail(exc)
    click.echo(f"Created user {user.username}.")


@relais_cli.command("add-member")
@click.argument("username")
@click.argument("group")
@click.option("--role", type=click.Choice(["agent", "lead"]), default="agent", show_default=True)
def add_member_command(username, group, role):
    """Make USERNAME an agent or lead of GROUP (by name)."""
    from .services.accounts import add_member

    try:
        add_member(username, group, role)
    except DomainError as exc:
        _fail(exc)
    click.echo(f"{username} is now {role} of {group}.")


@relais_cli.command("publish-due")
def publish_due_command():
    """A publisher round: publish every scheduled item whose time has come, send the
    pending webhooks and the grouped notification mails whose window has closed —
    unless another process is the publisher (it holds the lease)."""
    from .services.publisher import run_round

    done = run_round()
    if done is None:
        click.echo("Another process is the publisher (it holds the lease): nothing done.")
        return
    click.echo(f"Published {done['published']} item(s).")
    sent = done["webhooks"]
    click.echo(f"Webhooks: {sent['delivered']} delivered, {sent['retrying']} to retry, {sent['failed']} given up.")
    if done["mails"]:
        click.echo(f"Grouped notifications: {done['mails']} mail(s).")


@relais_cli.command("webhook-add")
@click.argument("channel")
@click.argument("url")
@click.option("--allow-private", is_flag=True, help="Allow a loopback/private target (e.g. a local test receiver).")
def webhook_add_command(channel, url, allow_private):
    """POST each publication of CHANNEL (slug) to URL, signed with HMAC-SHA256."""
    from .services.webhooks import register_webhook

    try:
        webhook = register_webhook(None, channel, url, allow_private=allow_private)
    except DomainError as exc:
        _fail(exc)
    click.echo(f"Webhook {webhook.id} registered on {channel}. Signing secret (shown once): {webhook.secret}")


@relais_cli.command("remind")
def remind_command():
    """Daily: remind and escalate reviews waiting past their group's limit, remind due dates, send digests."""
    from .services.reviews import remind

    summary = remind()
    click.echo(f"Reminders: {summary['reminded']}, escalations: {summary['escalated']}, "
               f"due dates: {summary['due']}, digests: {summary['digests']}.")


@relais_cli.command("expire-licences")
def expire_licences_command():
    """Daily: withdraw items whose licence has ended (archived, with a notification)."""
    from .services.workflow import expire_licences

    click.echo(f"Withdrawn {expire_licences()} item(s) whose licence ended.")


@relais_cli.command("send-mail")
def send_mail_command():
    """Send the grouped notification mails whose window has closed, and retry the
    outbox: every unsent mail whose next attempt is due (needs MAIL_SERVER)."""
    from .services.mail import send_pending
    from .services.notifications import send_grouped_mails

    grouped = send_grouped_mails()
    if grouped:
        click.echo(f"Grouped notifications: {grouped} mail(s).")
    if not current_app.config.get("MAIL_SERVER"):
        raise click.ClickException("MAIL_SERVER is not configured: mails stay in the outbox "
                                   "(table outbox_mails and the MAIL_OUTBOX_DIR folder).")
    sent, failed = send_pending()
    click.echo(f"Sent {sent} mail(s), {failed} failed (will be retried).")


@relais_cli.command("export")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, allow_dash=True))
@click.option("--with-passwords", is_flag=True,
              help="Include password and API-token hashes (keep such a file as secret as the database).")
def export_command(file, with_passwords):
    """Write the whole database to FILE as versioned JSON ('-' for standard output)."""
    from .services.backup import dump_export, export_database

    data = export_database(with_passwords=with_passwords)
    with click.open_file(file, "w", encoding="utf-8") as stream:
        dump_export(data, stream)
    if file != "-":
        counts = ", ".join(f"{name} {len(t['rows'])}" for name, t in data["tables"].items() if t["rows"])
        click.echo(f"Exported to {file}: {counts}." + ("" if with_passwords else
                                                       " Password hashes left out (use --with-passwords)."))


@relais_cli.command("import")
@click.argument("file", type=click.File("r", encoding="utf-8"))
def import_command(file):
    """Restore an export FILE into an empty database (run `flask db upgrade` first)."""
    import json

    from .services.backup import import_database

    try:
        data = json.load(file)
    except ValueError as exc:
        raise click.ClickException(f"{file.name} is not JSON: {exc}")
    try:
        counts = import_database(data)
    except DomainError as exc:
        _fail(exc)
    click.echo(f"Imported {sum(counts.values())} rows into {len(counts)} tables.")
    if not data.get("with_passwords"):
        click.echo("Passwords were not in the export: set them with `flask relais set-password USER`.")


@relais_cli.command("purge")
@click.option("--days", type=click.IntRange(min=1), default=30, show_default=True,
              help="Purge items that have been in the trash longer than this.")
def purge_command(days):
    """Delete for good the items trashed more than DAYS days ago, with their comments, reviews and events."""
    from .services.backup import purge_trash

    click.echo(f"Purged {purge_trash(days=days)} item(s) from the trash.")


@relais_cli.command("set-password")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def set_password_command(username, password):
    """Set USERNAME's password (after an import without passwords, or a forgotten one)."""
    from .services.accounts import set_password

    try:
        set_password(username, password)
    except DomainError as exc:
        _fail(exc)
    click.echo(f"Password of {username} set; their other sessions were closed.")


@relais_cli.command("reindex")
def reindex_command():
    """Rebuild the search index from every item (after `flask db upgrade` added it, or to repair it)."""
    from .services.search import reindex_all

    click.echo(f"Search index rebuilt: {reindex_all()} item(s).")
