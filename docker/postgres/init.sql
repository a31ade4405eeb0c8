-- Runs once, when the compose Postgres volume is first initialised.
--
-- One login role and one database per service, so a service can touch only
-- its own data. Migrations (RUN_MIGRATIONS=only) create the service's schema
-- and tables as that role.
--
-- Tenant transactions run as rapport_app (DB_APP_ROLE): not a superuser, not
-- a table owner, so row-level security applies to them. Roles are
-- cluster-wide, so it is created here once and granted to every service role
-- (which needs membership to SET ROLE to it).
--
-- Dev-only passwords: Postgres is not published outside the compose network.
-- Adding a service = its three lines below + its DATABASE_URL in compose.yml.

CREATE ROLE rapport_app NOLOGIN NOINHERIT;

CREATE ROLE identity LOGIN PASSWORD 'identity';
CREATE DATABASE identity OWNER identity;
GRANT rapport_app TO identity;

CREATE ROLE sales LOGIN PASSWORD 'sales';
CREATE DATABASE sales OWNER sales;
GRANT rapport_app TO sales;

CREATE ROLE service LOGIN PASSWORD 'service';
CREATE DATABASE service OWNER service;
GRANT rapport_app TO service;

CREATE ROLE analytics LOGIN PASSWORD 'analytics';
CREATE DATABASE analytics OWNER analytics;
GRANT rapport_app TO analytics;

CREATE ROLE marketing LOGIN PASSWORD 'marketing';
CREATE DATABASE marketing OWNER marketing;
GRANT rapport_app TO marketing;
