-- Runs once, when the compose Postgres volume is first initialised.
--
-- Per service (docs/adr/026-least-privilege-database-roles.md):
--   <service>              owner login: owns the service's database, schema and
--                          tables; only its <service>-migrate one-shot logs in
--                          as it (DATABASE_OWNER_URL).
--   rapport_<service>      runtime login (DATABASE_URL): owns nothing; the
--                          migration grants it DML on its own schema's tables
--                          and nothing else. BYPASSRLS for the cross-tenant
--                          work (outbox relay, sign-in lookups, timers).
--   rapport_<service>_tenant  NOLOGIN; tenant transactions SET ROLE to it, so
--                          row-level security applies.
-- BYPASSRLS roles can only be created by a superuser, hence here and not in
-- the migration. CONNECT is revoked from PUBLIC so a service's login cannot
-- even open another service's database.
--
-- Dev-only passwords: Postgres is not published outside the compose network.
-- Adding a service = its block below + its URLs in compose.yml.

CREATE ROLE identity LOGIN PASSWORD 'identity';
CREATE DATABASE identity OWNER identity;
CREATE ROLE rapport_identity LOGIN PASSWORD 'rapport_identity' NOINHERIT BYPASSRLS;
CREATE ROLE rapport_identity_tenant NOLOGIN NOINHERIT;
GRANT rapport_identity_tenant TO rapport_identity;
REVOKE CONNECT ON DATABASE identity FROM PUBLIC;
GRANT CONNECT ON DATABASE identity TO rapport_identity;

CREATE ROLE sales LOGIN PASSWORD 'sales';
CREATE DATABASE sales OWNER sales;
CREATE ROLE rapport_sales LOGIN PASSWORD 'rapport_sales' NOINHERIT BYPASSRLS;
CREATE ROLE rapport_sales_tenant NOLOGIN NOINHERIT;
GRANT rapport_sales_tenant TO rapport_sales;
REVOKE CONNECT ON DATABASE sales FROM PUBLIC;
GRANT CONNECT ON DATABASE sales TO rapport_sales;

CREATE ROLE service LOGIN PASSWORD 'service';
CREATE DATABASE service OWNER service;
CREATE ROLE rapport_service LOGIN PASSWORD 'rapport_service' NOINHERIT BYPASSRLS;
CREATE ROLE rapport_service_tenant NOLOGIN NOINHERIT;
GRANT rapport_service_tenant TO rapport_service;
REVOKE CONNECT ON DATABASE service FROM PUBLIC;
GRANT CONNECT ON DATABASE service TO rapport_service;

CREATE ROLE analytics LOGIN PASSWORD 'analytics';
CREATE DATABASE analytics OWNER analytics;
CREATE ROLE rapport_analytics LOGIN PASSWORD 'rapport_analytics' NOINHERIT BYPASSRLS;
CREATE ROLE rapport_analytics_tenant NOLOGIN NOINHERIT;
GRANT rapport_analytics_tenant TO rapport_analytics;
REVOKE CONNECT ON DATABASE analytics FROM PUBLIC;
GRANT CONNECT ON DATABASE analytics TO rapport_analytics;

CREATE ROLE marketing LOGIN PASSWORD 'marketing';
CREATE DATABASE marketing OWNER marketing;
CREATE ROLE rapport_marketing LOGIN PASSWORD 'rapport_marketing' NOINHERIT BYPASSRLS;
CREATE ROLE rapport_marketing_tenant NOLOGIN NOINHERIT;
GRANT rapport_marketing_tenant TO rapport_marketing;
REVOKE CONNECT ON DATABASE marketing FROM PUBLIC;
GRANT CONNECT ON DATABASE marketing TO rapport_marketing;
