-- Accounts, their groups, bot passwords and sessions.
-- Times are Unix seconds (BIGINT), the same on both backends.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT    NOT NULL UNIQUE,
    password      TEXT    NOT NULL,
    registered_at BIGINT  NOT NULL
);

CREATE TABLE user_groups (
    user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    group_name TEXT   NOT NULL,
    PRIMARY KEY (user_id, group_name)
);

CREATE TABLE bot_passwords (
    user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    app_id     TEXT   NOT NULL,
    password   TEXT   NOT NULL,
    grants     TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, app_id)
);

CREATE TABLE sessions (
    id                   TEXT   PRIMARY KEY,
    user_id              BIGINT REFERENCES users(id) ON DELETE CASCADE,
    bot_app_id           TEXT,
    csrf_secret          TEXT,
    login_secret         TEXT,
    createaccount_secret TEXT,
    expires_at           BIGINT NOT NULL
);

CREATE INDEX sessions_expires_at ON sessions (expires_at);
