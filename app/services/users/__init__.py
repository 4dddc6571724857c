"""Authentik users: create them, list and search them, act on a selection, export them.

`create` makes an account and its first credential (a password shown once, or a recovery
link); `directory` reads one page at a time, one user's detail, the groups, and a CSV export;
`bulk_actions` activates, deactivates, regroups, resets or deletes a selection, one outcome per
user. Dashboard logins are not here: they are `accounts`.
"""

from app.services.users import intended_groups
from app.services.users.bulk_actions import (
    DELETE_WORD,
    LABELS,
    NEEDS_GROUP,
    BulkAction,
    BulkOutcome,
    Selected,
    approval_rule,
    bulk,
    check_bulk,
    request_bulk,
)
from app.services.users.create import (
    CreatedUser,
    Credential,
    CredentialNotSet,
    create_account,
    create_user,
    display_name,
    generate_password,
    recovery_link,
    set_credential,
    suggest_username,
    username_base,
)
from app.services.users.directory import (
    CSV_COLUMNS,
    ORDERINGS,
    PAGE_SIZES,
    CountProgress,
    CsvExport,
    GroupChoice,
    UserDetail,
    UserPage,
    UserQuery,
    UserRow,
    export_csv,
    groups,
    page,
    page_sizes,
    user_detail,
)
from app.utils.authentik import RECOVERY_LINK_LIFETIME

__all__ = [
    "CSV_COLUMNS",
    "DELETE_WORD",
    "LABELS",
    "NEEDS_GROUP",
    "ORDERINGS",
    "PAGE_SIZES",
    "RECOVERY_LINK_LIFETIME",
    "BulkAction",
    "BulkOutcome",
    "CountProgress",
    "CreatedUser",
    "Credential",
    "CredentialNotSet",
    "CsvExport",
    "GroupChoice",
    "Selected",
    "UserDetail",
    "UserPage",
    "UserQuery",
    "UserRow",
    "approval_rule",
    "bulk",
    "check_bulk",
    "create_account",
    "create_user",
    "display_name",
    "export_csv",
    "generate_password",
    "groups",
    "intended_groups",
    "page",
    "page_sizes",
    "recovery_link",
    "request_bulk",
    "set_credential",
    "suggest_username",
    "user_detail",
    "username_base",
]
