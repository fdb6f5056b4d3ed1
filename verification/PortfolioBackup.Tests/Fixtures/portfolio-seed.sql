-- The portfolio app's schema plus the awkward shapes a backup tool must survive:
-- quoted, reserved and unicode names, a partitioned table, an inheritance tree, a contrib extension.
CREATE EXTENSION IF NOT EXISTS citext;
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE public.users (
    id          bigserial PRIMARY KEY,
    email       citext NOT NULL UNIQUE,
    name        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE public.images (
    id          bigserial PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES public.users(id),
    url         text NOT NULL,
    caption     text,
    metadata    jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX images_user_id_idx ON public.images(user_id);
CREATE INDEX images_caption_trgm_idx ON public.images USING gin (caption gin_trgm_ops);

CREATE TABLE public.migrations (
    id          serial PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    applied_at  timestamptz NOT NULL DEFAULT now()
);

CREATE SCHEMA "Reporting Ünits";
CREATE TABLE "Reporting Ünits"."Order Items" ("Id" serial PRIMARY KEY, "select" text, "naïve ☃" int);
CREATE TABLE public."select" (id int PRIMARY KEY, "from" text);
CREATE TABLE public."CamelCase" (id int);

CREATE TABLE public.measurements (id bigserial, taken_on date NOT NULL, value numeric) PARTITION BY RANGE (taken_on);
CREATE TABLE public.measurements_2024 PARTITION OF public.measurements FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE public.measurements_2025 PARTITION OF public.measurements FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');

CREATE TABLE public.cities (name text, population int);
CREATE TABLE public.capitals (country text) INHERITS (public.cities);

CREATE VIEW public.user_image_counts AS
    SELECT u.id, count(i.id) AS images FROM public.users u LEFT JOIN public.images i ON i.user_id = u.id GROUP BY u.id;

CREATE FUNCTION public.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.created_at := now(); RETURN NEW; END $$;

INSERT INTO public.users (email, name)
SELECT format('user%s@example.com', g), format('User %s', g) FROM generate_series(1, 25) g;

INSERT INTO public.images (user_id, url, caption, metadata)
SELECT 1 + (g % 25), format('https://cdn.example.com/%s.jpg', g), format('caption %s with tab	and \ backslash', g),
       jsonb_build_object('w', 640 + g, 'h', 480, 'tags', jsonb_build_array('a', 'b'))
FROM generate_series(1, 137) g;

INSERT INTO public.migrations (name) VALUES ('20240101_init'), ('20240301_images'), ('20240501_add_captions');

INSERT INTO "Reporting Ünits"."Order Items" ("select", "naïve ☃") SELECT 'line' || E'\n' || g, g FROM generate_series(1, 7) g;
INSERT INTO public."select" VALUES (1, 'a'), (2, NULL);
INSERT INTO public."CamelCase" SELECT g FROM generate_series(1, 4) g;

INSERT INTO public.measurements (taken_on, value)
SELECT date '2024-06-01' + (g * 7), g FROM generate_series(1, 60) g;   -- spans both partitions

INSERT INTO public.cities VALUES ('Lyon', 500000), ('Graz', 290000), ('Turku', 190000);
INSERT INTO public.capitals VALUES ('Paris', 2100000, 'FR'), ('Vienna', 1900000, 'AT');
