-- The last four characters, birth date and gender of an ID number were kept in clear beside its ciphertext. With the
-- county's region code (six digits everyone knows) and the GB 11643 check character, birth date and last four rebuild the
-- whole number: the encryption protected nothing. Masking now derives what it shows from the decrypted number, where the
-- role may see it; the keyed hash stays for exact look-ups.
-- The values are cleared before the columns go, so the rows are rewritten without them (DROP COLUMN alone leaves the
-- bytes in place); the old row versions disappear at the next (auto)vacuum — VACUUM FULL petitioner to be sure at once.
UPDATE petitioner
SET id_number_tail = NULL, birth_date = NULL, gender = NULL
WHERE id_number_tail IS NOT NULL OR birth_date IS NOT NULL OR gender IS NOT NULL;

ALTER TABLE petitioner
    DROP COLUMN id_number_tail,
    DROP COLUMN birth_date,
    DROP COLUMN gender;
