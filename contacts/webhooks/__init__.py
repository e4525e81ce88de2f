"""Outbound webhooks (Standard Webhooks): endpoints, events, signed at-least-once delivery with retries.

`models` holds endpoints, events, deliveries and their attempts; `services` creates endpoints and emits events;
`events` turns a domain change into an event (one call from each service); `delivery` sends, retries and sweeps;
`tasks` runs deliveries on the task queue; `selectors` fetches them for the dashboard and API.
"""
