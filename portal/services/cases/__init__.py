"""The individual services (C8.1, C8.2, C8.3, C8.6, C8.7, C8.8, C8.10): cases, appointments,
outcomes and the C8.6 regional-quota application."""
