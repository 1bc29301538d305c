"""The C8 service catalogue: the ten services, how each is delivered, and who may have one."""
