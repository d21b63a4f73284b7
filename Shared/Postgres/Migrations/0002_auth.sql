-- Sundial schema, version 2: API key prefixes.
-- An API key's secret is shown once and only its SHA-256 is stored; `prefix`
-- keeps its first characters (`sk_` + 8) in the clear so users can tell their
-- keys apart in listings. Keys made before this migration show an empty prefix.

ALTER TABLE api_keys
    ADD COLUMN prefix text NOT NULL DEFAULT '' CHECK (char_length(prefix) <= 32);
