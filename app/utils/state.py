"""Every st.session_state key the app uses, in one enum: one spelling per key.

Page-local keys carry the page's prefix (`accounts_`, `audit_`, ...).
"""

from __future__ import annotations

from enum import StrEnum


class SessionKey(StrEnum):
    # Login state, refreshed from the database on every run by app.main
    ACCOUNT = "account"
    SESSION_TOKEN = "session_token"  # noqa: S105 (a key name, not a secret)
    COOKIE_CHANGE = "cookie_change"  # set or clear the browser's cookie (app.ui.cookies)
    SKIP_PAGE_COOKIE = "skip_page_cookie"  # logged out, or the page load's cookie was refused
    LOGIN_ERROR = "login_error"
    SETUP_ERROR = "setup_error"
    ACTION_REFUSED = "action_refused"  # a callback refused at the moment of action (guard)
    REFUSAL_SHOWN = "refusal_shown"  # the refusal the last run said (again after an auto rerun)
    AUTO_RERUN = "auto_rerun"  # the page reran by itself (not by the admin), e.g. a count done

    # SSO (Authentik through st.login)
    SSO_ERROR = "sso_error"  # why Authentik's login was refused, shown on the login page
    SSO_NOTICE = "sso_notice"  # e.g. the Authentik login expired: log in again
    SSO_CLAIMS_USED = "sso_claims_used"  # the Authentik login this browser session has used

    # Login and first-run setup forms
    LOGIN_USERNAME = "login_username"
    LOGIN_PASSWORD = "login_password"  # noqa: S105 (a key name)
    SETUP_TOKEN = "setup_token"  # noqa: S105
    SETUP_USERNAME = "setup_username"
    SETUP_DISPLAY_NAME = "setup_display_name"
    SETUP_PASSWORD = "setup_password"  # noqa: S105
    SETUP_CONFIRM = "setup_confirm"
    SETUP_REQUEST = "setup_request"  # the submitted form, from its callback to this run's work

    # Accounts page
    ACCOUNTS_NOTICE = "accounts_notice"
    ACCOUNTS_ERROR = "accounts_error"
    ACCOUNTS_SELECTED = "accounts_selected"

    # Audit log page
    AUDIT_FILTER = "audit_filter"
    AUDIT_PICKED = "audit_picked"

    # Sanctions page (and the sanctions on a case file)
    SANCTIONS_NOTICE = "sanctions_notice"
    SANCTIONS_ERROR = "sanctions_error"
    SANCTIONS_MEMBER = "sanctions_member"
    SANCTIONS_PREVIEW = "sanctions_preview"  # the member's rooms, found for the impose form
    SANCTIONS_SHOW = "sanctions_show"
    SANCTIONS_SEARCH = "sanctions_search"
    SANCTIONS_SELECTED = "sanctions_selected"

    # Approvals (two-person rule): the page, and the request a page filed for its user
    APPROVALS_NOTICE = "approvals_notice"
    APPROVALS_ERROR = "approvals_error"
    USERS_APPROVAL = "users_approval"  # id of the request the bulk bar filed
    USERS_BULK_SUBMISSION = "users_bulk_submission"
    OFFBOARD_APPROVAL = "offboard_approval"
    REMOVE_APPROVAL = "remove_approval"

    # Case file page
    CASE_OPEN = "case_open"  # ((username, matrix ID) asked for, CaseFile) of the open file
    CASE_USERNAME = "case_username"
    CASE_MATRIX = "case_matrix"
    CASE_SEARCH = "case_search"
    CASE_NOTE = "case_note"
    CASE_NOTICE = "case_notice"
    CASE_ERROR = "case_error"

    # Journeys page
    JOURNEYS_KIND = "journeys_kind"
    JOURNEYS_STATUS = "journeys_status"
    JOURNEYS_MEMBER = "journeys_member"
    JOURNEYS_SELECTED = "journeys_selected"
    JOURNEYS_NOTICE = "journeys_notice"
    JOURNEYS_ERROR = "journeys_error"
    AUDIT_PAGE = "audit_page"

    # Onboard member page (account fields use the same shape as Create user)
    ONBOARD_MODE = "onboard_mode"  # create a new Authentik account, or link an existing one
    ONBOARD_FIRST_NAME = "onboard_first_name"
    ONBOARD_LAST_NAME = "onboard_last_name"
    ONBOARD_USERNAME = "onboard_username"
    ONBOARD_SUGGESTED = "onboard_suggested"
    ONBOARD_EMAIL = "onboard_email"
    ONBOARD_GROUPS = "onboard_groups"
    ONBOARD_INVITED_BY = "onboard_invited_by"
    ONBOARD_ORGANISATION = "onboard_organisation"
    ONBOARD_INTERESTS = "onboard_interests"
    ONBOARD_INTRO = "onboard_intro"
    ONBOARD_CREDENTIAL = "onboard_credential"
    ONBOARD_SEARCH = "onboard_search"
    ONBOARD_EXISTING = "onboard_existing"  # (pk, username) of the account to link
    ONBOARD_MATRIX_PICK = "onboard_matrix_pick"
    ONBOARD_MATRIX_TYPED = "onboard_matrix_typed"
    ONBOARD_RECOMMENDATIONS = "onboard_recommendations"  # rooms the interests suggest
    ONBOARD_RECOMMENDED = "onboard_recommended"
    ONBOARD_CATEGORIES = "onboard_categories"
    ONBOARD_HAND = "onboard_hand"
    ONBOARD_SKIP_GRADUATION = "onboard_skip_graduation"
    ONBOARD_ERRORS = "onboard_errors"
    ONBOARD_PROBLEM = "onboard_problem"
    ONBOARD_RESULT = "onboard_result"  # holds the one-time credential until dismissed
    ONBOARD_SUBMISSION = "onboard_submission"  # this form's submission ID (one journey)
    ONBOARD_SUBMITTED = "onboard_submitted"  # what was submitted under it (a repeat is a no-op)
    ONBOARD_FOLLOW = "onboard_follow"  # the journey this page waits for and shows
    ONBOARD_JOINED = "onboard_joined"  # the submission joined a journey already under way

    # Offboard member page
    OFFBOARD_USERNAME = "offboard_username"
    OFFBOARD_MATRIX_ID = "offboard_matrix_id"
    OFFBOARD_PREVIEW = "offboard_preview"  # what would be touched (offboarding.preview)
    OFFBOARD_REASON = "offboard_reason"
    OFFBOARD_ACTION = "offboard_action"
    OFFBOARD_PREEMPTIVE = "offboard_preemptive"  # also ban where they are not
    OFFBOARD_MESSAGE = "offboard_message"
    OFFBOARD_CUSTOM = "offboard_custom"
    OFFBOARD_DELETE = "offboard_delete"
    OFFBOARD_CONFIRM = "offboard_confirm"
    OFFBOARD_PROBLEM = "offboard_problem"
    OFFBOARD_RESULT = "offboard_result"  # the journey just run
    OFFBOARD_SUBMISSION = "offboard_submission"
    OFFBOARD_SUBMITTED = "offboard_submitted"
    OFFBOARD_FOLLOW = "offboard_follow"
    OFFBOARD_LOOKUP = "offboard_lookup"  # Preview pressed: look up in this run, with progress

    # Moderators page
    MODERATORS_ACCOUNT = "moderators_account"
    MODERATORS_FOR = "moderators_for"  # the account whose Matrix ID the input shows
    MODERATORS_MATRIX_ID = "moderators_matrix_id"
    MODERATORS_ROOMS = "moderators_rooms"
    MODERATORS_CATEGORIES = "moderators_categories"
    MODERATORS_LEVEL = "moderators_level"
    MODERATORS_RESULT = "moderators_result"  # (level, one outcome per room)
    MODERATORS_NOTICE = "moderators_notice"
    MODERATORS_PROBLEM = "moderators_problem"
    MODERATORS_SCOPE = "moderators_scope"  # the room categories chosen for the account
    MODERATORS_CHANGE = "moderators_change"  # (user, rooms, level) to set in this run

    # Templates page
    TEMPLATES_SELECTED = "templates_selected"
    TEMPLATES_BODY = "templates_body"  # + "_<template key>": the editor's text per template
    TEMPLATES_ERROR = "templates_error"
    TEMPLATES_NOTICE = "templates_notice"

    # Authentik pages
    # - Create user
    CREATE_USER_FIRST_NAME = "create_user_first_name"
    CREATE_USER_LAST_NAME = "create_user_last_name"
    CREATE_USER_USERNAME = "create_user_username"
    CREATE_USER_SUGGESTED = "create_user_suggested"  # the usernames suggested, newest last
    CREATE_USER_EMAIL = "create_user_email"
    CREATE_USER_GROUPS = "create_user_groups"
    CREATE_USER_INVITED_BY = "create_user_invited_by"
    CREATE_USER_ORGANISATION = "create_user_organisation"
    CREATE_USER_INTERESTS = "create_user_interests"
    CREATE_USER_INTRO = "create_user_intro"
    CREATE_USER_CREDENTIAL = "create_user_credential"
    CREATE_USER_ERRORS = "create_user_errors"  # field -> messages, shown next to the fields
    CREATE_USER_PROBLEM = "create_user_problem"  # an error that belongs to no field
    CREATE_USER_RESULT = "create_user_result"  # holds the one-time password until dismissed

    # - Invite links
    INVITES_LABEL = "invites_label"
    INVITES_DAYS = "invites_days"
    INVITES_HOURS = "invites_hours"
    INVITES_EMAIL = "invites_email"
    INVITES_GROUPS = "invites_groups"
    INVITES_ERRORS = "invites_errors"
    INVITES_PROBLEM = "invites_problem"
    INVITES_NEW = "invites_new"  # the invite just created (its link is shown outside the form)
    INVITES_NOTICE = "invites_notice"
    INVITES_REVOKE = "invites_revoke"
    INVITES_MAIL_INVITE = "invites_mail_invite"  # which invite "Send by email" sends
    INVITES_MAIL_TO = "invites_mail_to"
    INVITES_MAIL_SUBMISSION = "invites_mail_submission"  # minted when the page is shown
    INVITES_MAIL_ERRORS = "invites_mail_errors"
    INVITES_MAIL_PROBLEM = "invites_mail_problem"
    INVITES_MAIL_NOTICE = "invites_mail_notice"
    INVITES_LISTED = "invites_listed"  # the invitations listed, kept while fresh (ui.kept)

    # - Authentik setup
    AK_SETUP_RESULT = "ak_setup_result"  # what 'Create the flows for me' did
    AK_SETUP_PLAN = "ak_setup_plan"  # the plan previewed, kept while fresh (ui.kept)
    AK_SETUP_PROBLEM = "ak_setup_problem"  # why it did not

    # - Users directory
    USERS_SEARCH = "users_search"
    USERS_ACTIVE = "users_active"
    USERS_GROUP = "users_group"
    USERS_ORDERING = "users_ordering"
    USERS_PAGE_SIZE = "users_page_size"
    USERS_PAGE = "users_page"
    USERS_PAGE_JUMP = "users_page_jump"  # the "Page" number input (jump to page N)
    USERS_SHOWN = "users_shown"  # the page of users on screen, which a selection refers to
    USERS_TABLE = "users_table"  # st.dataframe selection state
    USERS_BULK_ACTION = "users_bulk_action"
    USERS_BULK_GROUP = "users_bulk_group"
    USERS_BULK_CONFIRM = "users_bulk_confirm"
    USERS_BULK_ERRORS = "users_bulk_errors"
    USERS_BULK_PENDING = "users_bulk_pending"  # requested by the button, run with progress
    USERS_BULK_RESULTS = "users_bulk_results"
    USERS_EXPORT = "users_export"  # (query, CSV text) of the last export
    USERS_INTENDED_RESULT = "users_intended_result"  # intended groups just applied (or why not)

    # Matrix pages
    # - Rooms
    ROOMS_SEARCH = "rooms_search"
    ROOMS_CATEGORY = "rooms_category"
    ROOMS_SHOW_SMALL = "rooms_show_small"
    ROOMS_SYNC = "rooms_sync"  # the "Sync now" button
    ROOMS_SYNC_RESULT = "rooms_sync_result"
    ROOMS_ERROR = "rooms_error"
    ROOMS_NOTICE = "rooms_notice"
    ROOMS_EDIT_ROOM = "rooms_edit_room"  # the room whose tags the admin edits
    ROOMS_NEW_CATEGORY = "rooms_new_category"
    ROOMS_DELETE_CATEGORY = "rooms_delete_category"
    ROOMS_DELETE = "rooms_delete"  # the "Delete category" button

    # - Invite to rooms
    INVITE_ROOMS_USER = "invite_rooms_user"
    INVITE_ROOMS_MODE = "invite_rooms_mode"
    INVITE_ROOMS_CATEGORY = "invite_rooms_category"
    INVITE_ROOMS_SEARCH = "invite_rooms_search"
    INVITE_ROOMS_PICKED = "invite_rooms_picked"
    INVITE_ROOMS_INTERESTS = "invite_rooms_interests"
    INVITE_ROOMS_SUBMIT = "invite_rooms_submit"
    INVITE_ROOMS_SUBMISSION = "invite_rooms_submission"
    INVITE_ROOMS_SUBMITTED = "invite_rooms_submitted"
    INVITE_ROOMS_FOLLOW = "invite_rooms_follow"  # the invite journey this page shows
    INVITE_ROOMS_ERROR = "invite_rooms_error"

    # - Remove from rooms
    REMOVE_USER = "remove_user"
    REMOVE_ACTION = "remove_action"
    REMOVE_REASON = "remove_reason"
    REMOVE_MESSAGE = "remove_message"
    REMOVE_CUSTOM = "remove_custom"
    REMOVE_PREVIEW = "remove_preview"  # where the member is (moderation.RemovalPreview)
    REMOVE_PLAN = "remove_plan"  # the reviewed removal, waiting for confirmation
    REMOVE_CONFIRM = "remove_confirm"
    REMOVE_CANCEL = "remove_cancel"
    REMOVE_PREEMPTIVE = "remove_preemptive"
    REMOVE_FOLLOW = "remove_follow"  # the removal journey this page shows
    REMOVE_RETRY = "remove_retry"
    REMOVE_ERROR = "remove_error"

    # - Messaging
    MESSAGING_MODE = "messaging_mode"
    MESSAGING_CATEGORY = "messaging_category"
    MESSAGING_RECIPIENTS = "messaging_recipients"
    MESSAGING_BODY = "messaging_body"
    MESSAGING_NOTICE = "messaging_notice"
    MESSAGING_SEND = "messaging_send"
    MESSAGING_RESULT = "messaging_result"
    MESSAGING_ERROR = "messaging_error"

    # Home: the overview (period) and the funnel (the step picked)
    HOME_PERIOD = "home_period"
    HOME_FUNNEL_PICKED = "home_funnel_picked"
    HOME_REFRESH = "home_refresh"

    # Drift report page
    DRIFT_PICKED = "drift_picked"  # + "_<list key>": the row picked in each list
    DRIFT_EXPORT = "drift_export"  # + "_<list key>": each list's CSV button
    DRIFT_REFRESH = "drift_refresh"
