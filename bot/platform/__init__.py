"""The platform under every capability: settings, clock, database, outbox, scheduler, delivery keys,
roles, and the pieces every Slack message is made of."""
