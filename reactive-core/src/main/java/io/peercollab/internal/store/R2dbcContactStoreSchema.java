// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.store;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Function;

import io.peercollab.IpLiterals;
import io.peercollab.PeerEndPoint;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.R2dbcDataIntegrityViolationException;
import io.r2dbc.spi.Result;
import io.r2dbc.spi.Statement;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The schema of {@link R2dbcContactStore}, version by version, and the migration that brings a database to the
 * newest one.
 *
 * <h2>Versions</h2>
 * Table {@code schema_version} holds one row per applied version.
 * <ol>
 *   <li>Tables {@code contacts} and {@code applications}, each with one text column holding a list in a line format:
 *   {@code contacts.endpoints} and {@code applications.arguments} (described at {@link ListColumns}).</li>
 *   <li>The lists move to child tables, one row per item, ordered by {@code position} (0, 1, ...), whose rows are
 *   deleted with their parent ({@code ON DELETE CASCADE}): {@code contact_endpoints} and
 *   {@code application_arguments}. The migration copies every list into them and then drops the two list columns.</li>
 *   <li>Table {@code settings}: the endpoint's own settings (its endpoint name, the edits of its Me contact), one row
 *   per key.</li>
 *   <li>Contact names in Unicode NFC: {@link io.peercollab.identity.PeerName} normalises classifiers since this
 *   version, so a name stored with a decomposed classifier (written by an earlier version) is migrated when the
 *   database is opened: its row, and its endpoints, move to the NFC name, in one transaction. Where both forms are
 *   stored, the NFC one (written since) is kept and the decomposed one dropped.</li>
 * </ol>
 *
 * <h2>Applying a version</h2>
 * H2 commits DDL implicitly, so a version cannot be applied in one transaction. Instead every step can be redone: DDL
 * says {@code IF NOT EXISTS} / {@code IF EXISTS}, the copy of the lists writes with {@code MERGE} in one transaction,
 * and a list column is dropped only after its copy has committed. The version row is written last. A migration
 * interrupted at any point is completed by the next open, and nothing is lost on the way.
 */
final class R2dbcContactStoreSchema {

	/** The version this code reads and writes. */
	static final int VERSION = 4;

	private static final String CREATE_SCHEMA_VERSION = "CREATE TABLE IF NOT EXISTS schema_version ("
			+ "version INT PRIMARY KEY, applied_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP NOT NULL)";
	private static final String SELECT_SCHEMA_VERSION = "SELECT COALESCE(MAX(version), 0) AS version FROM schema_version";
	private static final String INSERT_SCHEMA_VERSION = "INSERT INTO schema_version (version) VALUES ($1)";

	private static final List<String> VERSION_1 = List.of(
			"CREATE TABLE IF NOT EXISTS contacts ("
					+ "name VARCHAR(256) PRIMARY KEY, "
					+ "nickname VARCHAR(255) NOT NULL, "
					+ "display_name VARCHAR(255) NOT NULL, "
					+ "email VARCHAR(254) NOT NULL, "
					+ "certificate VARBINARY NOT NULL, "
					+ "endpoints VARCHAR NOT NULL, "
					+ "subscribed BOOLEAN NOT NULL, "
					+ "subscribe_allowed VARCHAR(16) NOT NULL)",
			"CREATE TABLE IF NOT EXISTS applications ("
					+ "id UUID PRIMARY KEY, "
					+ "description VARCHAR(255) NOT NULL, "
					+ "data VARBINARY NOT NULL, "
					+ "scope VARCHAR(16) NOT NULL, "
					+ "path VARCHAR(4096) NOT NULL, "
					+ "arguments VARCHAR NOT NULL)");

	/**
	 * An endpoint: {@code host} is the host name, {@code NULL} when only the address is known; {@code address} the 4
	 * or 16 bytes of the IP address, {@code NULL} for an unresolved address (then {@code host} is what to resolve);
	 * {@code scope_id} the IPv6 scope, 0 for none. The length of {@code address} is checked when read, not by a
	 * constraint: H2 2.4 evaluates a function in a CHECK constraint in the session that created the table, and fails
	 * every insert once that session is closed ("Check constraint invalid", caused by "The database has been closed").
	 */
	private static final List<String> VERSION_2 = List.of(
			"CREATE TABLE IF NOT EXISTS contact_endpoints ("
					+ "contact_name VARCHAR(256) NOT NULL, "
					+ "position INT NOT NULL CHECK (position >= 0), "
					+ "name VARCHAR(255) NOT NULL, "
					+ "host VARCHAR, "
					+ "address VARBINARY(16), "
					+ "scope_id INT NOT NULL, "
					+ "port INT NOT NULL CHECK (port BETWEEN 1 AND 65535), "
					+ "PRIMARY KEY (contact_name, position), "
					+ "CHECK (host IS NOT NULL OR address IS NOT NULL), "
					+ "FOREIGN KEY (contact_name) REFERENCES contacts (name) ON DELETE CASCADE)",
			"CREATE TABLE IF NOT EXISTS application_arguments ("
					+ "application_id UUID NOT NULL, "
					+ "position INT NOT NULL CHECK (position >= 0), "
					+ "argument VARCHAR NOT NULL, "
					+ "PRIMARY KEY (application_id, position), "
					+ "FOREIGN KEY (application_id) REFERENCES applications (id) ON DELETE CASCADE)");

	private static final List<String> VERSION_3 = List.of(
			"CREATE TABLE IF NOT EXISTS settings ("
					+ "setting_key VARCHAR(64) PRIMARY KEY, "
					+ "setting_value VARCHAR(4096) NOT NULL)");

	/** Version 1's list columns, moved to the child tables by version 2. */
	private static final String COUNT_COLUMN = "SELECT COUNT(*) FROM information_schema.columns "
			+ "WHERE table_schema = CURRENT_SCHEMA AND LOWER(table_name) = $1 AND LOWER(column_name) = $2";
	private static final String SELECT_LEGACY_ENDPOINTS =
			"SELECT name, endpoints FROM contacts WHERE endpoints <> '' ORDER BY name";
	private static final String SELECT_LEGACY_ARGUMENTS =
			"SELECT id, arguments FROM applications WHERE arguments <> '' ORDER BY id";
	private static final String MERGE_ENDPOINT = "MERGE INTO contact_endpoints "
			+ "(contact_name, position, name, host, address, scope_id, port) KEY (contact_name, position) "
			+ "VALUES ($1, $2, $3, $4, $5, $6, $7)";
	private static final String MERGE_ARGUMENT = "MERGE INTO application_arguments "
			+ "(application_id, position, argument) KEY (application_id, position) VALUES ($1, $2, $3)";

	private R2dbcContactStoreSchema() {
	}

	/**
	 * Brings the schema to {@link #VERSION}. A step found done (by an earlier, interrupted migration, or by another
	 * store migrating the same database) is skipped, and a duplicate version row is ignored. A migration that fails
	 * changes nothing that a later one cannot redo.
	 *
	 * @return the schema version now in place; fails with {@link IllegalStateException} if the database's version is
	 * newer than this code knows, or if a stored list of version 1 cannot be read (naming the row)
	 */
	static Mono<Integer> migrate(Connection connection) {
		return rowsUpdated(connection.createStatement(CREATE_SCHEMA_VERSION))
				.then(version(connection))
				.flatMap(current -> {
					if (current > VERSION) {
						return Mono.error(new IllegalStateException("the contact database has schema version " + current
								+ ", newer than version " + VERSION + " that this PeerCollab knows; "
								+ "use a newer PeerCollab, or another database"));
					}
					return Flux.range(current + 1, VERSION - current)
							.concatMap(version -> apply(connection, version))
							.then(Mono.just(VERSION));
				});
	}

	private static Mono<Integer> version(Connection connection) {
		return Flux.from(connection.createStatement(SELECT_SCHEMA_VERSION).execute())
				.concatMap(result -> result.map(row -> Objects.requireNonNull(row.get("version", Integer.class),
						"version")))
				.next();
	}

	private static Mono<Void> apply(Connection connection, int version) {
		Mono<Void> steps = switch (version) {
			case 1 -> execute(connection, VERSION_1);
			case 2 -> execute(connection, VERSION_2)
					.then(moveList(connection, "contacts", "endpoints", SELECT_LEGACY_ENDPOINTS, MERGE_ENDPOINT,
							ListColumns::endPoints))
					.then(moveList(connection, "applications", "arguments", SELECT_LEGACY_ARGUMENTS, MERGE_ARGUMENT,
							ListColumns::arguments));
			case 3 -> execute(connection, VERSION_3);
			case 4 -> normaliseNames(connection);
			default -> Mono.error(new IllegalStateException("no schema version " + version));
		};
		return steps.then(rowsUpdated(connection.createStatement(INSERT_SCHEMA_VERSION).bind(0, version))
						.onErrorResume(R2dbcDataIntegrityViolationException.class, e -> Mono.empty())
						.then());
	}

	/**
	 * Copies the lists of one version 1 column into their child table, in one transaction, then drops the column.
	 * Does nothing if the column is gone: an earlier or concurrent migration has moved it.
	 *
	 * @param binder writes the items of one stored list as bindings of {@code merge}, from the row's key and text
	 */
	private static Mono<Void> moveList(Connection connection, String table, String column, String select,
			String merge, ListBinder binder) {
		Mono<Boolean> present = Flux.from(connection.createStatement(COUNT_COLUMN).bind(0, table).bind(1, column)
						.execute())
				.concatMap(result -> result.map(row -> row.get(0, Long.class)))
				.next()
				.map(count -> count > 0);
		Mono<Void> copy = Mono.from(connection.beginTransaction())
				.then(Flux.from(connection.createStatement(select).execute())
						.concatMap(result -> result.map(row -> new StoredList(row.get(0), row.get(1, String.class))))
						.collectList())
				.flatMap(lists -> {
					Statement statement = connection.createStatement(merge);
					int bindings = 0;
					for (StoredList list : lists) {
						try {
							bindings = binder.bind(statement, list.key(), list.text(), bindings);
						}
						catch (RuntimeException e) {
							return Mono.error(new IllegalStateException("schema version " + VERSION + " cannot be "
									+ "applied: the stored " + column + " of '" + list.key() + "' (table " + table
									+ ") cannot be read: " + e.getMessage() + "; repair or delete that row", e));
						}
					}
					return bindings == 0 ? Mono.<Void>empty() : rowsUpdated(statement).then();
				})
				.then(Mono.from(connection.commitTransaction()))
				.onErrorResume(e -> Mono.from(connection.rollbackTransaction())
						.onErrorResume(rollback -> {
							e.addSuppressed(rollback);
							return Mono.empty();
						})
						.then(Mono.error(e)));
		Mono<Void> drop = rowsUpdated(connection.createStatement(
				"ALTER TABLE " + table + " DROP COLUMN IF EXISTS " + column)).then();
		return present.flatMap(yes -> yes ? copy.then(drop) : Mono.empty());
	}

	private static final String SELECT_NAMES = "SELECT name FROM contacts ORDER BY name";
	private static final String COPY_CONTACT = "INSERT INTO contacts (name, nickname, display_name, email, "
			+ "certificate, subscribed, subscribe_allowed) SELECT $1, nickname, display_name, email, certificate, "
			+ "subscribed, subscribe_allowed FROM contacts WHERE name = $2";
	private static final String MOVE_ENDPOINTS = "UPDATE contact_endpoints SET contact_name = $1 WHERE contact_name = $2";
	private static final String DELETE_OLD_CONTACT = "DELETE FROM contacts WHERE name = $1";

	/** Version 4: every contact stored under a name that is not NFC moves to its NFC name, in one transaction. */
	private static Mono<Void> normaliseNames(Connection connection) {
		return Flux.from(connection.createStatement(SELECT_NAMES).execute())
				.concatMap(result -> result.map(row -> row.get(0, String.class)))
				.collectList()
				.flatMap(names -> {
					java.util.Set<String> stored = new java.util.HashSet<>(names);
					List<String[]> moves = new ArrayList<>();
					for (String name : names) {
						String nfc = java.text.Normalizer.normalize(name, java.text.Normalizer.Form.NFC);
						if (!nfc.equals(name)) {
							moves.add(new String[] { name, nfc });
						}
					}
					if (moves.isEmpty()) {
						return Mono.<Void>empty();
					}
					return Mono.from(connection.beginTransaction())
							.thenMany(Flux.fromIterable(moves).concatMap(m -> stored.contains(m[1])
									? rowsUpdated(connection.createStatement(DELETE_OLD_CONTACT).bind(0, m[0]))
									: rowsUpdated(connection.createStatement(COPY_CONTACT).bind(0, m[1]).bind(1, m[0]))
											.then(rowsUpdated(connection.createStatement(MOVE_ENDPOINTS).bind(0, m[1])
													.bind(1, m[0])))
											.then(rowsUpdated(connection.createStatement(DELETE_OLD_CONTACT)
													.bind(0, m[0])))))
							.then(Mono.from(connection.commitTransaction()))
							.onErrorResume(e -> Mono.from(connection.rollbackTransaction())
									.onErrorResume(rollback -> {
										e.addSuppressed(rollback);
										return Mono.empty();
									})
									.then(Mono.error(e)));
				});
	}

	private static Mono<Void> execute(Connection connection, List<String> statements) {
		return Flux.fromIterable(statements)
				.concatMap(sql -> rowsUpdated(connection.createStatement(sql)))
				.then();
	}

	private static Mono<Long> rowsUpdated(Statement statement) {
		return Flux.from(statement.execute()).concatMap(Result::getRowsUpdated).reduce(0L, Long::sum);
	}

	/** The key of a version 1 row and the text of its list column. */
	private record StoredList(Object key, String text) {
	}

	@FunctionalInterface
	private interface ListBinder {

		/**
		 * @param bindings how many bindings {@code statement} holds so far
		 * @return how many it holds after those of this list
		 */
		int bind(Statement statement, Object key, String text, int bindings);
	}

	/**
	 * Version 1's list columns: a list as text, one item per line, each line ended by {@code \n} (so an empty list is
	 * {@code ""} and a list of one empty argument is {@code "\n"}). Inside an item, {@code %}, {@code |}, {@code \n}
	 * and {@code \r} were written {@code %25}, {@code %7C}, {@code %0A} and {@code %0D}. An argument is one escaped
	 * string. An endpoint is four fields separated by {@code |}: {@code name|host|address|port}, where {@code name} is
	 * the escaped endpoint name, {@code host} the escaped host name ({@code ""} when only the address is known),
	 * {@code address} the IP literal ({@code ""} for an unresolved address; dotted IPv4; or IPv6 as eight hexadecimal
	 * groups, with {@code %scopeId} when scoped) and {@code port} in decimal. Reading an address never looks anything
	 * up in DNS. Only read now, to move the lists into their tables.
	 */
	static final class ListColumns {

		private ListColumns() {
		}

		static int endPoints(Statement statement, Object key, String text, int bindings) {
			List<PeerEndPoint> endPoints = decode(text, ListColumns::endPoint);
			for (int position = 0; position < endPoints.size(); position++) {
				if (bindings++ > 0) {
					statement.add();
				}
				R2dbcContactStore.bindEndPoint(statement, (String) key, position, endPoints.get(position));
			}
			return bindings;
		}

		static int arguments(Statement statement, Object key, String text, int bindings) {
			List<String> arguments = decode(text, ListColumns::unescape);
			for (int position = 0; position < arguments.size(); position++) {
				if (bindings++ > 0) {
					statement.add();
				}
				statement.bind(0, (UUID) key).bind(1, position).bind(2, arguments.get(position));
			}
			return bindings;
		}

		static <T> List<T> decode(String text, Function<String, T> decoder) {
			if (text.isEmpty()) {
				return List.of();
			}
			if (text.charAt(text.length() - 1) != '\n') {
				throw new IllegalArgumentException("list text must end with a line feed");
			}
			String[] lines = text.substring(0, text.length() - 1).split("\n", -1);
			List<T> items = new ArrayList<>(lines.length);
			for (int i = 0; i < lines.length; i++) {
				try {
					items.add(decoder.apply(lines[i]));
				}
				catch (RuntimeException e) {
					throw new IllegalArgumentException("line " + (i + 1) + ": " + e.getMessage(), e);
				}
			}
			return items;
		}

		static String unescape(String s) {
			if (s.indexOf('%') < 0) {
				return s;
			}
			StringBuilder out = new StringBuilder(s.length());
			for (int i = 0; i < s.length(); i++) {
				char c = s.charAt(i);
				if (c != '%') {
					out.append(c);
					continue;
				}
				if (i + 2 >= s.length()) {
					throw new IllegalArgumentException("'%' at " + i + " is not followed by two hexadecimal digits");
				}
				int hi = Character.digit(s.charAt(i + 1), 16);
				int lo = Character.digit(s.charAt(i + 2), 16);
				if (hi < 0 || lo < 0) {
					throw new IllegalArgumentException("'%' at " + i + " is not followed by two hexadecimal digits");
				}
				out.append((char) (hi * 16 + lo));
				i += 2;
			}
			return out.toString();
		}

		private static PeerEndPoint endPoint(String line) {
			String[] fields = line.split("\\|", -1);
			if (fields.length != 4) {
				throw new IllegalArgumentException("an endpoint needs 4 fields name|host|address|port, found "
						+ fields.length);
			}
			String name = unescape(fields[0]);
			String host = unescape(fields[1]);
			int port = number(fields[3], 1, 65_535, "port");
			InetSocketAddress socket = fields[2].isEmpty() ? InetSocketAddress.createUnresolved(host, port)
					: new InetSocketAddress(address(host.isEmpty() ? null : host, fields[2]), port);
			return new PeerEndPoint(name, socket);
		}

		/** An address as version 1 wrote it (an IP literal, numeric scope), with the host name it was kept with. */
		private static InetAddress address(String host, String literal) {
			InetAddress parsed = IpLiterals.parseAddress(literal);
			try {
				return parsed instanceof Inet6Address v6 && v6.getScopeId() != 0
						? Inet6Address.getByAddress(host, v6.getAddress(), v6.getScopeId())
						: InetAddress.getByAddress(host, parsed.getAddress());
			}
			catch (UnknownHostException e) {
				throw new IllegalArgumentException("address " + literal + ": " + e.getMessage(), e);
			}
		}

		private static int number(String text, int min, int max, String what) {
			int value;
			try {
				value = Integer.parseInt(text);
			}
			catch (NumberFormatException e) {
				throw new IllegalArgumentException(what + " '" + text + "' is not a number", e);
			}
			if (value < min || value > max || !text.equals(Integer.toString(value))) {
				throw new IllegalArgumentException(what + " '" + text + "' is not between " + min + " and " + max);
			}
			return value;
		}
	}
}
