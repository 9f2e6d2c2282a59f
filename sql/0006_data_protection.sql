-- ASP.NET Core data protection keys (they sign auth cookies and antiforgery tokens), kept in the database so that
-- every web node shares one key ring and a restarted node still accepts the sessions and forms it issued.
CREATE TABLE data_protection_key (
    id          int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    xml         text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
