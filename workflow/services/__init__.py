"""The use cases: the only code that changes state. Each checks permission,
validates, writes the change and its event in one transaction, commits, and
then hands the event to the publisher."""
