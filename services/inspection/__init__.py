"""The owner's side of a digital vehicle inspection (issue 15).

invites — the per-order invitation link and QR; statuses — the order's status and the owner's message
per status; marks — 🟢/🟡/🔴 condition marks on filed photos; recommendations — work the owner
approves or declines; report — the PDF report of an order; access — whose order is whose.
"""
