"""App configuration for contacts: checks the calling rules file at start and gives SQLite PostgreSQL's get_bit."""
from django.apps import AppConfig
from django.db.backends.signals import connection_created


def _sqlite_get_bit(value: bytes | None, index: int | None) -> int | None:
    """PostgreSQL's get_bit(bytea, n) for SQLite: bit n % 8 (least significant first) of byte n // 8."""
    if value is None or index is None or not 0 <= index < len(value) * 8:
        return None
    return (value[index >> 3] >> (index & 7)) & 1


def _register_sqlite_functions(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        from contacts.contacts.selectors import words_match

        connection.connection.create_function("get_bit", 2, _sqlite_get_bit, deterministic=True)
        # search: a word most rows match is tested row by row while walking the list (see contact_search)
        connection.connection.create_function("contacts_words_match", 5, words_match, deterministic=True)


class ContactsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "contacts"
    verbose_name = "SmartAlex Contacts"

    def ready(self) -> None:
        from contacts.compliance.ruleset import shipped_rules

        shipped_rules()  # a broken rules file stops the start with a RulesFileError naming every problem
        connection_created.connect(_register_sqlite_functions, dispatch_uid="contacts_sqlite_get_bit")
