-- Tables the DataExtractor reads (MySQL / MariaDB). The point-of-sale system owns and writes them; the
-- extractor only needs SELECT on both. Money is integer cents (BIGINT so sums never overflow).
-- placed_at is DATETIME holding UTC wall-clock time (DATETIME has no zone; writers must store UTC).
-- status: 'paid' counts as a sale, 'refunded' as a refund; any other value (pending, cancelled) is ignored.
-- item_name is binary-collated so items group exactly as on PostgreSQL ('Latte' and 'latte' differ).

CREATE TABLE IF NOT EXISTS orders (
    id          BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    placed_at   DATETIME(6) NOT NULL,
    status      VARCHAR(16) NOT NULL,
    total_cents BIGINT NOT NULL CHECK (total_cents >= 0),
    INDEX orders_placed_at_idx (placed_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

CREATE TABLE IF NOT EXISTS order_items (
    id               BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    order_id         BIGINT NOT NULL,
    item_name        VARCHAR(200) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    quantity         INT NOT NULL CHECK (quantity > 0),
    unit_price_cents BIGINT NOT NULL CHECK (unit_price_cents >= 0),
    INDEX order_items_order_id_idx (order_id),
    CONSTRAINT order_items_order_fk FOREIGN KEY (order_id) REFERENCES orders (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;
