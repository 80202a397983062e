"""initial schema: the factory, orders and their reservations, requests, leads, summits

Reviewed by hand after autogenerate: indexes are plain op.create_index (no batch needed to
create them), and plan_state gets its single row (version 0) that commits lock.

Revision ID: 2b6f2b9b356f
Revises:
Create Date: 2026-11-22 07:03:35.100666
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "2b6f2b9b356f"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("entity", sa.String(), nullable=False),
        sa.Column("entity_id", sa.String(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"], unique=False)
    op.create_index(
        op.f("ix_audit_log_entity_entity_id"), "audit_log", ["entity", "entity_id"], unique=False
    )

    op.create_table(
        "calendar_exceptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("work_center", sa.String(), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("hours", sa.Double(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_exceptions")),
        sa.UniqueConstraint(
            "work_center", "on", name=op.f("uq_calendar_exceptions_work_center_on")
        ),
    )
    op.create_table(
        "customers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
        sa.UniqueConstraint("name", name=op.f("uq_customers_name")),
    )
    op.create_table(
        "items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("uom", sa.String(), nullable=False),
        sa.Column("lead_time_days", sa.Integer(), nullable=False),
        sa.Column("safety_stock", sa.Double(), nullable=False),
        sa.CheckConstraint("kind IN ('make', 'buy')", name=op.f("ck_items_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_items")),
        sa.UniqueConstraint("sku", name=op.f("uq_items_sku")),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    op.create_index(
        op.f("ix_outbox_delivered_at_next_attempt_at"),
        "outbox",
        ["delivered_at", "next_attempt_at"],
        unique=False,
    )

    op.create_table(
        "plan_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_plan_state_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_state")),
    )
    op.create_table(
        "scheduler_lease",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("holder", sa.String(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_scheduler_lease")),
    )
    op.create_table(
        "sent_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sent_reminders")),
        sa.UniqueConstraint("key", name=op.f("uq_sent_reminders_key")),
    )
    op.create_table(
        "slack_deliveries",
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_slack_deliveries")),
    )
    op.create_table(
        "summits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("cron", sa.String(), nullable=False),
        sa.Column("timezone", sa.String(), nullable=False),
        sa.Column("location", sa.String(), nullable=False),
        sa.Column("channel_id", sa.String(), nullable=False),
        sa.Column("organiser_slack_id", sa.String(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_summits")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slack_user_id", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("tz", sa.String(), nullable=True),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "role IN ('sales', 'operations', 'manager', 'admin')", name=op.f("ck_users_role")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("slack_user_id", name=op.f("uq_users_slack_user_id")),
    )
    op.create_table(
        "work_centers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("machines", sa.Integer(), nullable=False),
        sa.Column("shifts_per_day", sa.Integer(), nullable=False),
        sa.Column("hours_per_shift", sa.Double(), nullable=False),
        sa.Column("efficiency", sa.Double(), nullable=False),
        sa.Column("workdays", sa.String(), nullable=False),
        sa.Column("rush_reserve_pct", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_centers")),
        sa.UniqueConstraint("code", name=op.f("uq_work_centers_code")),
    )
    op.create_table(
        "bom_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("parent_sku", sa.String(), nullable=False),
        sa.Column("component_sku", sa.String(), nullable=False),
        sa.Column("qty_per", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(
            ["component_sku"], ["items.sku"], name=op.f("fk_bom_lines_component_sku_items")
        ),
        sa.ForeignKeyConstraint(
            ["parent_sku"], ["items.sku"], name=op.f("fk_bom_lines_parent_sku_items")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bom_lines")),
        sa.UniqueConstraint(
            "parent_sku", "component_sku", name=op.f("uq_bom_lines_parent_sku_component_sku")
        ),
    )
    op.create_index(
        op.f("ix_bom_lines_component_sku"), "bom_lines", ["component_sku"], unique=False
    )

    op.create_table(
        "inventory",
        sa.Column("sku", sa.String(), nullable=False),
        sa.Column("on_hand", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(["sku"], ["items.sku"], name=op.f("fk_inventory_sku_items")),
        sa.PrimaryKeyConstraint("sku", name=op.f("pk_inventory")),
    )
    op.create_table(
        "leads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("owner_slack_id", sa.String(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("product_interest", sa.String(), nullable=False),
        sa.Column("expected_qty", sa.Integer(), nullable=True),
        sa.Column("expected_month", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('open', 'won', 'lost')", name=op.f("ck_leads_status")),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_leads_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leads")),
    )
    op.create_index(op.f("ix_leads_customer_id"), "leads", ["customer_id"], unique=False)
    op.create_index(op.f("ix_leads_owner_slack_id"), "leads", ["owner_slack_id"], unique=False)

    op.create_table(
        "orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("owner_slack_id", sa.String(), nullable=True),
        sa.Column("sku", sa.String(), nullable=False),
        sa.Column("qty", sa.Integer(), nullable=False),
        sa.Column("requested_on", sa.Date(), nullable=False),
        sa.Column("promised_on", sa.Date(), nullable=True),
        sa.Column("rush", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("at_risk_reason", sa.Text(), nullable=True),
        sa.Column("least_qty", sa.Integer(), nullable=True),
        sa.Column("latest_on", sa.Date(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel_id", sa.String(), nullable=True),
        sa.Column("message_ts", sa.String(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "status IN ('quoted', 'held', 'confirmed', 'at_risk', 'shipped', 'cancelled', "
            "'expired')",
            name=op.f("ck_orders_status"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_orders_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(["sku"], ["items.sku"], name=op.f("fk_orders_sku_items")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
        sa.UniqueConstraint("ref", name=op.f("uq_orders_ref")),
    )
    op.create_index(op.f("ix_orders_customer_id"), "orders", ["customer_id"], unique=False)
    op.create_index(op.f("ix_orders_owner_slack_id"), "orders", ["owner_slack_id"], unique=False)
    op.create_index(op.f("ix_orders_sku"), "orders", ["sku"], unique=False)
    op.create_index(
        op.f("ix_orders_status_promised_on"), "orders", ["status", "promised_on"], unique=False
    )

    op.create_table(
        "receipts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("qty", sa.Double(), nullable=False),
        sa.Column("ref", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["sku"], ["items.sku"], name=op.f("fk_receipts_sku_items")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_receipts")),
    )
    op.create_index(op.f("ix_receipts_sku"), "receipts", ["sku"], unique=False)

    op.create_table(
        "routing_operations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("work_center", sa.String(), nullable=False),
        sa.Column("setup_hours", sa.Double(), nullable=False),
        sa.Column("run_hours_per_unit", sa.Double(), nullable=False),
        sa.Column("lag_days", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sku"], ["items.sku"], name=op.f("fk_routing_operations_sku_items")
        ),
        sa.ForeignKeyConstraint(
            ["work_center"],
            ["work_centers.code"],
            name=op.f("fk_routing_operations_work_center_work_centers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_operations")),
        sa.UniqueConstraint("sku", "seq", name=op.f("uq_routing_operations_sku_seq")),
    )
    op.create_index(
        op.f("ix_routing_operations_work_center"),
        "routing_operations",
        ["work_center"],
        unique=False,
    )

    op.create_table(
        "summit_occurrences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("summit_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decisions", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["summit_id"],
            ["summits.id"],
            name=op.f("fk_summit_occurrences_summit_id_summits"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_summit_occurrences")),
        sa.UniqueConstraint(
            "summit_id", "starts_at", name=op.f("uq_summit_occurrences_summit_id_starts_at")
        ),
    )
    op.create_table(
        "capacity_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("requested_by", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("engine_view", sa.Text(), nullable=False),
        sa.Column("bottleneck", sa.String(), nullable=True),
        sa.Column("channel_id", sa.String(), nullable=True),
        sa.Column("message_ts", sa.String(), nullable=True),
        sa.Column("answered_by", sa.String(), nullable=True),
        sa.Column("answer_kind", sa.String(), nullable=True),
        sa.Column("answer_note", sa.Text(), nullable=True),
        sa.Column("counter_qty", sa.Integer(), nullable=True),
        sa.Column("counter_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("nudged_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('open', 'approved', 'countered', 'declined')",
            name=op.f("ck_capacity_requests_status"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_capacity_requests_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_capacity_requests")),
    )
    op.create_index(
        op.f("ix_capacity_requests_order_id"), "capacity_requests", ["order_id"], unique=False
    )
    op.create_index(
        op.f("ix_capacity_requests_status"), "capacity_requests", ["status"], unique=False
    )

    op.create_table(
        "lead_followups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("snoozed_to", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["leads.id"],
            name=op.f("fk_lead_followups_lead_id_leads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lead_followups")),
    )
    op.create_index(
        op.f("ix_lead_followups_done_at_due_at"),
        "lead_followups",
        ["done_at", "due_at"],
        unique=False,
    )
    op.create_index(op.f("ix_lead_followups_lead_id"), "lead_followups", ["lead_id"], unique=False)

    op.create_table(
        "reservations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(), nullable=False),
        sa.Column("qty", sa.Integer(), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("rush", sa.Boolean(), nullable=False),
        sa.Column("just_in_time", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("changed_seq", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_reservations_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reservations")),
    )
    op.create_index(op.f("ix_reservations_active"), "reservations", ["active"], unique=False)
    op.create_index(
        op.f("ix_reservations_changed_seq"), "reservations", ["changed_seq"], unique=False
    )
    op.create_index(op.f("ix_reservations_order_id"), "reservations", ["order_id"], unique=False)

    op.create_table(
        "shipments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("qty", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_shipments_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipments")),
    )
    op.create_index(op.f("ix_shipments_order_id"), "shipments", ["order_id"], unique=False)

    op.create_table(
        "summit_agenda_points",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurrence_id", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("carried_over", sa.Boolean(), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["occurrence_id"],
            ["summit_occurrences.id"],
            name=op.f("fk_summit_agenda_points_occurrence_id_summit_occurrences"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_summit_agenda_points")),
    )
    op.create_index(
        op.f("ix_summit_agenda_points_occurrence_id"),
        "summit_agenda_points",
        ["occurrence_id"],
        unique=False,
    )

    op.create_table(
        "summit_rsvps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurrence_id", sa.Integer(), nullable=False),
        sa.Column("slack_user_id", sa.String(), nullable=False),
        sa.Column("answer", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["occurrence_id"],
            ["summit_occurrences.id"],
            name=op.f("fk_summit_rsvps_occurrence_id_summit_occurrences"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_summit_rsvps")),
        sa.UniqueConstraint(
            "occurrence_id",
            "slack_user_id",
            name=op.f("uq_summit_rsvps_occurrence_id_slack_user_id"),
        ),
    )
    op.create_table(
        "planned_purchases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reservation_id", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("qty", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(
            ["reservation_id"],
            ["reservations.id"],
            name=op.f("fk_planned_purchases_reservation_id_reservations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_planned_purchases")),
    )
    op.create_index(
        op.f("ix_planned_purchases_reservation_id"),
        "planned_purchases",
        ["reservation_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_planned_purchases_sku_on"), "planned_purchases", ["sku", "on"], unique=False
    )

    op.create_table(
        "reserved_hours",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reservation_id", sa.Integer(), nullable=False),
        sa.Column("work_center", sa.String(), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("hours", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(
            ["reservation_id"],
            ["reservations.id"],
            name=op.f("fk_reserved_hours_reservation_id_reservations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reserved_hours")),
    )
    op.create_index(
        op.f("ix_reserved_hours_reservation_id"), "reserved_hours", ["reservation_id"], unique=False
    )
    op.create_index(
        op.f("ix_reserved_hours_work_center_on"),
        "reserved_hours",
        ["work_center", "on"],
        unique=False,
    )

    op.create_table(
        "stock_allocations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reservation_id", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("qty", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(
            ["reservation_id"],
            ["reservations.id"],
            name=op.f("fk_stock_allocations_reservation_id_reservations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_allocations")),
    )
    op.create_index(
        op.f("ix_stock_allocations_reservation_id"),
        "stock_allocations",
        ["reservation_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_stock_allocations_sku_on"), "stock_allocations", ["sku", "on"], unique=False
    )
    plan_state = sa.table(
        "plan_state", sa.column("id", sa.Integer), sa.column("version", sa.Integer)
    )
    op.bulk_insert(plan_state, [{"id": 1, "version": 0}])


def downgrade() -> None:
    op.drop_index(op.f("ix_stock_allocations_sku_on"), table_name="stock_allocations")
    op.drop_index(op.f("ix_stock_allocations_reservation_id"), table_name="stock_allocations")

    op.drop_table("stock_allocations")
    op.drop_index(op.f("ix_reserved_hours_work_center_on"), table_name="reserved_hours")
    op.drop_index(op.f("ix_reserved_hours_reservation_id"), table_name="reserved_hours")

    op.drop_table("reserved_hours")
    op.drop_index(op.f("ix_planned_purchases_sku_on"), table_name="planned_purchases")
    op.drop_index(op.f("ix_planned_purchases_reservation_id"), table_name="planned_purchases")

    op.drop_table("planned_purchases")
    op.drop_table("summit_rsvps")
    op.drop_index(op.f("ix_summit_agenda_points_occurrence_id"), table_name="summit_agenda_points")

    op.drop_table("summit_agenda_points")
    op.drop_index(op.f("ix_shipments_order_id"), table_name="shipments")

    op.drop_table("shipments")
    op.drop_index(op.f("ix_reservations_order_id"), table_name="reservations")
    op.drop_index(op.f("ix_reservations_changed_seq"), table_name="reservations")
    op.drop_index(op.f("ix_reservations_active"), table_name="reservations")

    op.drop_table("reservations")
    op.drop_index(op.f("ix_lead_followups_lead_id"), table_name="lead_followups")
    op.drop_index(op.f("ix_lead_followups_done_at_due_at"), table_name="lead_followups")

    op.drop_table("lead_followups")
    op.drop_index(op.f("ix_capacity_requests_status"), table_name="capacity_requests")
    op.drop_index(op.f("ix_capacity_requests_order_id"), table_name="capacity_requests")

    op.drop_table("capacity_requests")
    op.drop_table("summit_occurrences")
    op.drop_index(op.f("ix_routing_operations_work_center"), table_name="routing_operations")

    op.drop_table("routing_operations")
    op.drop_index(op.f("ix_receipts_sku"), table_name="receipts")

    op.drop_table("receipts")
    op.drop_index(op.f("ix_orders_status_promised_on"), table_name="orders")
    op.drop_index(op.f("ix_orders_sku"), table_name="orders")
    op.drop_index(op.f("ix_orders_owner_slack_id"), table_name="orders")
    op.drop_index(op.f("ix_orders_customer_id"), table_name="orders")

    op.drop_table("orders")
    op.drop_index(op.f("ix_leads_owner_slack_id"), table_name="leads")
    op.drop_index(op.f("ix_leads_customer_id"), table_name="leads")

    op.drop_table("leads")
    op.drop_table("inventory")
    op.drop_index(op.f("ix_bom_lines_component_sku"), table_name="bom_lines")

    op.drop_table("bom_lines")
    op.drop_table("work_centers")
    op.drop_table("users")
    op.drop_table("summits")
    op.drop_table("slack_deliveries")
    op.drop_table("sent_reminders")
    op.drop_table("scheduler_lease")
    op.drop_table("plan_state")
    op.drop_index(op.f("ix_outbox_delivered_at_next_attempt_at"), table_name="outbox")

    op.drop_table("outbox")
    op.drop_table("items")
    op.drop_table("customers")
    op.drop_table("calendar_exceptions")
    op.drop_index(op.f("ix_audit_log_entity_entity_id"), table_name="audit_log")
    op.drop_index(op.f("ix_audit_log_at"), table_name="audit_log")

    op.drop_table("audit_log")
