// SPDX-License-Identifier: Apache-2.0
package io.peercollab.reliability;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.peercollab.rsocket.RawClient;

/**
 * Makes the fuzzer's inputs. Input {@code i} of seed {@code s} depends on nothing else, so that any input can be made
 * again from the two numbers a failure prints, whatever the concurrency.
 */
final class FuzzInputs {

	/** What an input tries; the fuzzer counts its inputs and outcomes by category. */
	enum Category {
		/** Random bytes as data, on a real route. */
		RANDOM_BYTES,
		/** A random CBOR document (maps, arrays, tags, floats, simple values...), keys partly real field names. */
		RANDOM_CBOR,
		/** A valid request of some route, then bytes flipped, overwritten, inserted, deleted or duplicated. */
		MUTATED_BYTES,
		/** A valid request with one field removed, retyped, duplicated or renamed, or a key that is not text. */
		MUTATED_FIELDS,
		/** A valid request with one string or byte array just over (or exactly at) its limit, or far over. */
		OUT_OF_LIMIT,
		/** A valid request with a UUID field in a wrong form. */
		INVALID_UUID,
		/** A valid request cut short. */
		TRUNCATED,
		/** A payload larger than maxPayloadSize, below the frame limit. */
		OVERSIZED,
		/** Missing, empty, undecodable or non-routing metadata. */
		BAD_METADATA,
		/** A route no version of the protocol has. */
		UNKNOWN_ROUTE,
		/** A real route under another protocol version, or spelled differently. */
		WRONG_VERSION,
		/** A real route called with another interaction model. */
		WRONG_INTERACTION,
		/** A valid request of one route with its interaction model. */
		VALID,
		/** A valid invitation, then (if accepted) the session channel with valid or mutated frames. */
		SESSION_FLOW,
		/** Fire-and-forget with any route and data. */
		FIRE_AND_FORGET,
		/** Metadata-push, which the protocol does not use. */
		METADATA_PUSH
	}

	/** RSocket's interaction models. */
	enum Model {
		REQUEST_RESPONSE, REQUEST_STREAM, REQUEST_CHANNEL, FIRE_AND_FORGET, METADATA_PUSH
	}

	/**
	 * One input.
	 *
	 * @param metadata the first payload's metadata, or {@code null} for none
	 * @param data the first payload's data
	 * @param frames later payloads of a channel (data only)
	 */
	record Input(int index, Category category, Model model, String route, byte[] metadata, byte[] data,
			List<byte[]> frames) {

		@Override
		public String toString() {
			return "input " + index + " " + category + " " + model + " route=" + route + " data="
					+ ByteBufUtil.hexDump(data, 0, Math.min(data.length, 64)) + (data.length > 64 ? "..." : "")
					+ " (" + data.length + " bytes), metadata="
					+ (metadata == null ? "none" : metadata.length + " bytes") + ", frames=" + frames.size();
		}
	}

	/** The routes of protocol version 1 and their interaction models. */
	enum Route {
		HELLO("peercollab.v1.hello", Model.REQUEST_RESPONSE), INVITE("peercollab.v1.invite", Model.REQUEST_RESPONSE),
		PRESENCE("peercollab.v1.presence", Model.REQUEST_RESPONSE), CARD("peercollab.v1.card", Model.REQUEST_RESPONSE),
		APPLICATIONS("peercollab.v1.applications", Model.REQUEST_STREAM),
		OBJECTS("peercollab.v1.objects", Model.REQUEST_STREAM), EVENTS("peercollab.v1.events", Model.REQUEST_STREAM),
		SESSION("peercollab.v1.session", Model.REQUEST_CHANNEL),
		SIGNED_OUT("peercollab.v1.signed-out", Model.FIRE_AND_FORGET);

		final String path;
		final Model model;

		Route(String path, Model model) {
			this.path = path;
			this.model = model;
		}
	}

	static final int MAX_PAYLOAD = 131_072;

	private static final String[] FIELD_NAMES = { "invitationId", "sessionId", "senderNickname", "application", "id",
			"description", "data", "scope", "message", "expiryMillis", "afterVersion", "applicationId", "origin",
			"status", "text", "kind", "type", "version" };

	private static final int[] INTERESTING_BYTES = { 0x00, 0xff, 0x7f, 0x80, 0x1b, 0x3b, 0x5b, 0x7b, 0x9b, 0xbb, 0x5f,
			0x7f, 0x9f, 0xbf, 0xf7, 0xf9, 0xfa, 0xfb, 0xc0, 0xc2, 0xd8, 0xf6, 0xf5, 0x18, 0x19, 0x1a };

	private final long seed;
	private final UUID application;

	/**
	 * @param seed the run's seed
	 * @param application the id of the application the target registered, so that some invitations are for it
	 */
	FuzzInputs(long seed, UUID application) {
		this.seed = seed;
		this.application = application;
	}

	/** @return the random source of input {@code i} */
	Random random(int i) {
		return new Random(seed * 0x9E3779B97F4A7C15L + i * 0xBF58476D1CE4E5B9L);
	}

	/** @return input {@code i} */
	Input input(int i) {
		Random r = random(i);
		Category c = pickCategory(r);
		return make(i, c, r);
	}

	/** @return input {@code i} of a given category */
	Input input(int i, Category c) {
		return make(i, c, random(i));
	}

	private static Category pickCategory(Random r) {
		int p = r.nextInt(1000);
		if (p < 90) {
			return Category.RANDOM_BYTES;
		}
		if (p < 180) {
			return Category.RANDOM_CBOR;
		}
		if (p < 360) {
			return Category.MUTATED_BYTES;
		}
		if (p < 520) {
			return Category.MUTATED_FIELDS;
		}
		if (p < 580) {
			return Category.OUT_OF_LIMIT;
		}
		if (p < 630) {
			return Category.INVALID_UUID;
		}
		if (p < 680) {
			return Category.TRUNCATED;
		}
		if (p < 683) {
			return Category.OVERSIZED;
		}
		if (p < 765) {
			return Category.BAD_METADATA;
		}
		if (p < 800) {
			return Category.UNKNOWN_ROUTE;
		}
		if (p < 835) {
			return Category.WRONG_VERSION;
		}
		if (p < 875) {
			return Category.WRONG_INTERACTION;
		}
		if (p < 945) {
			return Category.VALID;
		}
		if (p < 970) {
			return Category.SESSION_FLOW;
		}
		if (p < 990) {
			return Category.FIRE_AND_FORGET;
		}
		return Category.METADATA_PUSH;
	}

	@SuppressWarnings("unchecked")
	private Input make(int i, Category c, Random r) {
		Route route = Route.values()[r.nextInt(Route.values().length)];
		Model model = r.nextInt(10) < 8 ? route.model : randomModel(r);
		String path = route.path;
		byte[] metadata = null;
		byte[] data;
		List<byte[]> frames = new ArrayList<>();
		switch (c) {
			case RANDOM_BYTES -> data = randomBytes(r, r.nextInt(4) == 0 ? r.nextInt(4096) : r.nextInt(64));
			case RANDOM_CBOR -> data = Cbor.encode(randomValue(r, 0, true));
			case MUTATED_BYTES -> data = mutateBytes(r, Cbor.encode(validBody(route, r)));
			case MUTATED_FIELDS -> data = Cbor.encode(mutateFields(r, validBody(route, r)));
			case OUT_OF_LIMIT -> {
				route = r.nextInt(4) == 0 ? Route.SESSION : Route.INVITE;
				model = route.model;
				path = route.path;
				data = Cbor.encode(outOfLimit(r, route, frames));
			}
			case INVALID_UUID -> {
				route = r.nextBoolean() ? Route.INVITE : Route.SESSION;
				model = route.model;
				path = route.path;
				data = Cbor.encode(invalidUuid(r, validBody(route, r)));
			}
			case TRUNCATED -> {
				byte[] valid = Cbor.encode(validBody(route, r));
				data = Arrays.copyOf(valid, valid.length == 0 ? 0 : r.nextInt(valid.length));
			}
			case OVERSIZED -> {
				Map<String, Object> body = validBody(route, r);
				body.put("padding", new byte[MAX_PAYLOAD + r.nextInt(r.nextInt(10) == 0 ? 3 * MAX_PAYLOAD : 1024)]);
				data = Cbor.encode(body);
				if (route == Route.SESSION && r.nextBoolean()) {
					data = Cbor.encode(validBody(route, r));
					frames.add(Cbor.encode(Map.of("data", new byte[MAX_PAYLOAD + r.nextInt(1000)])));
				}
			}
			case BAD_METADATA -> {
				data = Cbor.encode(validBody(route, r));
				return new Input(i, c, model, path, badMetadata(r, path), data, frames(r, route, model));
			}
			case UNKNOWN_ROUTE -> {
				path = unknownRoute(r);
				data = Cbor.encode(validBody(route, r));
			}
			case WRONG_VERSION -> {
				path = wrongVersion(r, route.path);
				data = Cbor.encode(validBody(route, r));
			}
			case WRONG_INTERACTION -> {
				do {
					model = randomModel(r);
				}
				while (model == route.model);
				data = Cbor.encode(validBody(route, r));
			}
			case VALID, SESSION_FLOW -> {
				if (c == Category.SESSION_FLOW) {
					route = Route.INVITE;
				}
				else if (route == Route.SESSION || route == Route.SIGNED_OUT) {
					// a session needs an accepted invitation first (SESSION_FLOW); signed-out has no answer
					route = Route.values()[r.nextInt(Route.EVENTS.ordinal() + 1)];
				}
				model = route.model;
				path = route.path;
				Map<String, Object> body = validBody(route, r);
				if (route == Route.INVITE) {
					((Map<String, Object>) body.get("application")).put("id", application.toString());
				}
				data = Cbor.encode(body);
			}
			case FIRE_AND_FORGET -> {
				model = Model.FIRE_AND_FORGET;
				data = r.nextBoolean() ? Cbor.encode(validBody(route, r)) : randomBytes(r, r.nextInt(200));
				if (r.nextInt(4) == 0) {
					path = unknownRoute(r);
				}
			}
			case METADATA_PUSH -> {
				model = Model.METADATA_PUSH;
				data = new byte[0];
				metadata = r.nextBoolean() ? routing(path) : randomBytes(r, 1 + r.nextInt(100));
				return new Input(i, c, model, path, metadata, data, frames);
			}
			default -> throw new IllegalStateException(c.toString());
		}
		if (model == Model.REQUEST_CHANNEL && frames.isEmpty()) {
			frames = frames(r, route, model);
		}
		return new Input(i, c, model, path, routing(path), data, frames);
	}

	/** @return a valid SESSION opening payload and frames for an accepted invitation */
	Input sessionFor(Input invite, Map<String, Object> inviteBody, Random r) {
		Map<String, Object> open = new LinkedHashMap<>();
		open.put("invitationId", inviteBody.get("invitationId"));
		open.put("sessionId", inviteBody.get("sessionId"));
		open.put("applicationId", application.toString());
		List<byte[]> frames = new ArrayList<>();
		int n = r.nextInt(5);
		for (int k = 0; k < n; k++) {
			Map<String, Object> frame = new LinkedHashMap<>();
			frame.put("data", randomBytes(r, r.nextInt(100)));
			byte[] bytes = Cbor.encode(frame);
			frames.add(r.nextInt(4) == 0 ? mutateBytes(r, bytes) : bytes);
		}
		return new Input(invite.index(), Category.SESSION_FLOW, Model.REQUEST_CHANNEL, Route.SESSION.path,
				routing(Route.SESSION.path), Cbor.encode(open), frames);
	}

	private List<byte[]> frames(Random r, Route route, Model model) {
		List<byte[]> frames = new ArrayList<>();
		if (model != Model.REQUEST_CHANNEL) {
			return frames;
		}
		int n = r.nextInt(4);
		for (int k = 0; k < n; k++) {
			Map<String, Object> frame = new LinkedHashMap<>();
			frame.put("data", randomBytes(r, r.nextInt(50)));
			if (r.nextInt(3) == 0) {
				frame.put("origin", r.nextBoolean() ? "not a name" : randomText(r, r.nextInt(300)));
			}
			frames.add(r.nextBoolean() ? Cbor.encode(frame) : mutateBytes(r, Cbor.encode(frame)));
		}
		return frames;
	}

	private static Model randomModel(Random r) {
		return Model.values()[r.nextInt(Model.REQUEST_CHANNEL.ordinal() + 2)];
	}

	/** @return a valid request body of the route, as PeerCollab writes it (indefinite maps) */
	Map<String, Object> validBody(Route route, Random r) {
		Map<String, Object> body = new LinkedHashMap<>();
		switch (route) {
			case INVITE -> {
				body.put("invitationId", new UUID(r.nextLong(), r.nextLong()).toString());
				body.put("sessionId", new UUID(r.nextLong(), r.nextLong()).toString());
				body.put("senderNickname", randomText(r, r.nextInt(20)));
				Map<String, Object> app = new LinkedHashMap<>();
				app.put("id", r.nextInt(3) == 0 ? new UUID(r.nextLong(), r.nextLong()).toString()
						: application.toString());
				app.put("description", randomText(r, r.nextInt(30)));
				app.put("data", randomBytes(r, r.nextInt(20)));
				app.put("scope", List.of("NONE", "NEAR_ME", "INTERNET", "ALL").get(r.nextInt(4)));
				body.put("application", app);
				body.put("message", randomText(r, r.nextInt(40)));
				body.put("data", randomBytes(r, r.nextInt(40)));
				body.put("expiryMillis", 1 + r.nextInt(60_000));
			}
			case EVENTS -> body.put("afterVersion", (long) r.nextInt(50) - 1);
			case SESSION -> {
				body.put("invitationId", new UUID(r.nextLong(), r.nextLong()).toString());
				body.put("sessionId", new UUID(r.nextLong(), r.nextLong()).toString());
				body.put("applicationId", application.toString());
			}
			default -> {
				// hello, presence, card, applications, objects, signed-out: no parameters
				if (r.nextInt(4) == 0) {
					body.put("unused", randomText(r, 10));
				}
			}
		}
		return body;
	}

	@SuppressWarnings("unchecked")
	private Object mutateFields(Random r, Map<String, Object> body) {
		Map<String, Object> target = body;
		if (body.get("application") instanceof Map<?, ?> app && r.nextInt(3) == 0) {
			target = (Map<String, Object>) app;
		}
		List<String> keys = new ArrayList<>(target.keySet());
		String key = keys.isEmpty() ? FIELD_NAMES[r.nextInt(FIELD_NAMES.length)] : keys.get(r.nextInt(keys.size()));
		switch (r.nextInt(7)) {
			case 0 -> target.remove(key);
			case 1, 2, 3 -> target.put(key, hostileValue(r));
			case 4 -> target.put(FIELD_NAMES[r.nextInt(FIELD_NAMES.length)], hostileValue(r));
			case 5 -> {
				// the same key twice, or a key that is not text
				List<Map.Entry<Object, Object>> entries = new ArrayList<>();
				for (Map.Entry<String, Object> e : body.entrySet()) {
					entries.add(Map.entry(e.getKey(), e.getValue() == null ? "" : e.getValue()));
				}
				Object odd = switch (r.nextInt(5)) {
					case 0 -> key;
					case 1 -> (long) r.nextInt(100) - 50;
					case 2 -> randomBytes(r, 4);
					case 3 -> List.of(key);
					default -> new Cbor.Simple(r.nextInt(20));
				};
				Object value = hostileValue(r);
				entries.add(r.nextInt(entries.size() + 1), Map.entry(odd, value == null ? new Cbor.Simple(22) : value));
				return new Cbor.Entries(entries, r.nextBoolean());
			}
			default -> {
				// definite-length map with a lying count
				List<Map.Entry<Object, Object>> entries = new ArrayList<>();
				for (Map.Entry<String, Object> e : body.entrySet()) {
					entries.add(Map.entry(e.getKey(), e.getValue() == null ? "" : e.getValue()));
				}
				ByteArrayOutputStream out = new ByteArrayOutputStream();
				Cbor.head(out, 5, Math.max(0, entries.size() + r.nextInt(5) - 2));
				for (Map.Entry<Object, Object> e : entries) {
					Cbor.write(out, e.getKey());
					Cbor.write(out, e.getValue());
				}
				return new Cbor.Raw(out.toByteArray());
			}
		}
		return body;
	}

	/** @return a value of a surprising type or size */
	private Object hostileValue(Random r) {
		return switch (r.nextInt(30)) {
			case 0 -> null;
			case 1 -> r.nextBoolean();
			case 2 -> 0L;
			case 3 -> -1L;
			case 4 -> Long.MAX_VALUE;
			case 5 -> Long.MIN_VALUE;
			case 6 -> BigInteger.TWO.pow(64 + r.nextInt(200));
			case 7 -> BigInteger.TWO.pow(64 + r.nextInt(200)).negate();
			case 8 -> r.nextDouble() * 1e6;
			case 9 -> Double.NaN;
			case 10 -> new Cbor.Half(r.nextInt(0x10000));
			case 11 -> "";
			case 12 -> "x".repeat(256);
			case 13 -> "y".repeat(20_000);
			case 14 -> new byte[0];
			case 15 -> new byte[16_385];
			case 16 -> new byte[65_537];
			case 17 -> new LinkedHashMap<>(Map.of("a", 1L));
			case 18 -> List.of(1L, "two", new byte[] { 3 });
			case 19 -> deep(r, 100 + r.nextInt(3000));
			case 20 -> new Cbor.Tagged(r.nextInt(70), randomText(r, 8));
			case 21 -> new Cbor.Simple(r.nextInt(256));
			case 22 -> new Cbor.RawText(new byte[] { (byte) 0xc3, 0x28, (byte) 0xed, (byte) 0xa0, (byte) 0x80 });
			case 23 -> "\u0000\u202e\ud83d\ude00" + randomText(r, 5);
			case 24 -> "ACCEPTED";
			case 25 -> "online";
			case 26 -> (long) r.nextInt();
			case 27 -> new Cbor.Raw(lyingLength(r));
			case 28 -> new Cbor.Array(List.of(), true);
			default -> randomValue(r, 0, false);
		};
	}

	/** @return a string or bytes head announcing far more bytes than follow */
	private static byte[] lyingLength(Random r) {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		Cbor.head(out, 2 + r.nextInt(2), r.nextBoolean() ? 0xffff_ffffL : Long.MAX_VALUE);
		out.writeBytes(new byte[r.nextInt(10)]);
		return out.toByteArray();
	}

	/** @return arrays or maps nested {@code depth} deep, as raw bytes (writing them recursively would need a deep stack) */
	private static Object deep(Random r, int depth) {
		ByteArrayOutputStream out = new ByteArrayOutputStream(depth * 3 + 1);
		for (int d = 0; d < depth; d++) {
			if (r.nextBoolean()) {
				out.write(0x81); // array of one
			}
			else {
				out.write(0xa1); // map of one: "a" -> ...
				out.write(0x61);
				out.write('a');
			}
		}
		out.write(0x01);
		return new Cbor.Raw(out.toByteArray());
	}

	private Object outOfLimit(Random r, Route route, List<byte[]> frames) {
		Map<String, Object> body = validBody(route, r);
		if (route == Route.SESSION) {
			Map<String, Object> frame = new LinkedHashMap<>();
			int size = List.of(65_536, 65_537, 70_000).get(r.nextInt(3));
			frame.put("data", new byte[size]);
			if (r.nextBoolean()) {
				frame.put("origin", "a".repeat(52) + "." + "c".repeat(150));
			}
			frames.add(Cbor.encode(frame));
			return body;
		}
		@SuppressWarnings("unchecked")
		Map<String, Object> app = (Map<String, Object>) body.get("application");
		switch (r.nextInt(6)) {
			case 0 -> body.put("message", "m".repeat(List.of(255, 256, 5_000).get(r.nextInt(3))));
			case 1 -> body.put("senderNickname", "n".repeat(List.of(255, 256, 5_000).get(r.nextInt(3))));
			case 2 -> body.put("data", new byte[List.of(16_384, 16_385, 20_000).get(r.nextInt(3))]);
			case 3 -> app.put("description", "d".repeat(List.of(255, 256, 5_000).get(r.nextInt(3))));
			case 4 -> app.put("data", new byte[List.of(16_384, 16_385, 20_000).get(r.nextInt(3))]);
			default -> body.put("expiryMillis", List.of(0L, -1L, Long.MAX_VALUE, 86_400_001L).get(r.nextInt(4)));
		}
		return body;
	}

	@SuppressWarnings("unchecked")
	private Object invalidUuid(Random r, Map<String, Object> body) {
		UUID some = new UUID(r.nextLong(), r.nextLong());
		String bad = switch (r.nextInt(12)) {
			case 0 -> "not-a-uuid";
			case 1 -> "1-2-3-4-5";
			case 2 -> "";
			case 3 -> "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz";
			case 4 -> "{" + some + "}";
			case 5 -> some.toString().replace("-", "");
			case 6 -> some + "0";
			case 7 -> some.toString().substring(1);
			case 8 -> "00000000-0000-0000-0000-00000000000g";
			case 9 -> "+0000000-0000-0000-0000-000000000000";
			case 10 -> "12345678-1234-1234-1234-1234567890\u00e9";
			default -> "-".repeat(36);
		};
		List<String> keys = new ArrayList<>();
		for (String k : List.of("invitationId", "sessionId", "applicationId")) {
			if (body.containsKey(k)) {
				keys.add(k);
			}
		}
		if (body.get("application") instanceof Map<?, ?> app && r.nextInt(3) == 0) {
			((Map<String, Object>) app).put("id", bad);
			return body;
		}
		body.put(keys.get(r.nextInt(keys.size())), bad);
		return body;
	}

	private static byte[] mutateBytes(Random r, byte[] valid) {
		byte[] b = valid.length == 0 ? new byte[] { (byte) 0xbf, (byte) 0xff } : valid.clone();
		int rounds = 1 + r.nextInt(4);
		for (int k = 0; k < rounds; k++) {
			int pos = r.nextInt(b.length);
			switch (r.nextInt(7)) {
				case 0 -> b[pos] ^= (byte) (1 << r.nextInt(8));
				case 1 -> b[pos] = (byte) INTERESTING_BYTES[r.nextInt(INTERESTING_BYTES.length)];
				case 2 -> b[pos] = (byte) r.nextInt(256);
				case 3 -> {
					byte[] extra = randomBytes(r, 1 + r.nextInt(8));
					byte[] n = new byte[b.length + extra.length];
					System.arraycopy(b, 0, n, 0, pos);
					System.arraycopy(extra, 0, n, pos, extra.length);
					System.arraycopy(b, pos, n, pos + extra.length, b.length - pos);
					b = n;
				}
				case 4 -> {
					int len = Math.min(b.length - pos, 1 + r.nextInt(8));
					byte[] n = new byte[b.length - len];
					System.arraycopy(b, 0, n, 0, pos);
					System.arraycopy(b, pos + len, n, pos, b.length - pos - len);
					b = n.length == 0 ? new byte[] { 0 } : n;
				}
				case 5 -> {
					int len = Math.min(b.length - pos, 1 + r.nextInt(16));
					byte[] n = new byte[b.length + len];
					System.arraycopy(b, 0, n, 0, pos + len);
					System.arraycopy(b, pos, n, pos + len, b.length - pos);
					b = n;
				}
				default -> {
					byte[] n = Arrays.copyOf(b, b.length + 1 + r.nextInt(8));
					for (int j = b.length; j < n.length; j++) {
						n[j] = (byte) r.nextInt(256);
					}
					b = n;
				}
			}
		}
		return b;
	}

	private Object randomValue(Random r, int depth, boolean top) {
		int kind = top ? (r.nextInt(4) == 0 ? r.nextInt(12) : 10) : r.nextInt(depth > 4 ? 9 : 12);
		return switch (kind) {
			case 0 -> (long) r.nextInt();
			case 1 -> -(long) r.nextInt(1000);
			case 2 -> randomText(r, r.nextInt(20));
			case 3 -> randomBytes(r, r.nextInt(20));
			case 4 -> r.nextDouble();
			case 5 -> r.nextBoolean();
			case 6 -> null;
			case 7 -> new Cbor.Simple(r.nextInt(24));
			case 8 -> new Cbor.Tagged(r.nextInt(300), randomText(r, 4));
			case 9 -> {
				List<Object> items = new ArrayList<>();
				for (int k = r.nextInt(5); k > 0; k--) {
					items.add(randomValue(r, depth + 1, false));
				}
				yield new Cbor.Array(items, r.nextBoolean());
			}
			default -> {
				List<Map.Entry<Object, Object>> entries = new ArrayList<>();
				for (int k = r.nextInt(8); k > 0; k--) {
					Object key = r.nextInt(4) == 0 ? randomText(r, 6) : FIELD_NAMES[r.nextInt(FIELD_NAMES.length)];
					Object value = randomValue(r, depth + 1, false);
					entries.add(Map.entry(key, value == null ? new Cbor.Simple(22) : value));
				}
				yield new Cbor.Entries(entries, r.nextBoolean());
			}
		};
	}

	private byte[] badMetadata(Random r, String path) {
		return switch (r.nextInt(11)) {
			case 0 -> null;
			case 1 -> new byte[0];
			case 2 -> randomBytes(r, 1 + r.nextInt(64));
			case 3 -> composite(0x80 | 0x05, path.getBytes(StandardCharsets.UTF_8)); // application/json entry
			case 4 -> composite(0x80 | 0x7E, new byte[0]); // routing entry with no tag
			case 5 -> {
				byte[] tag = path.getBytes(StandardCharsets.UTF_8);
				byte[] content = new byte[tag.length + 1];
				content[0] = (byte) (tag.length + 1 + r.nextInt(50)); // the tag claims more than the entry holds
				System.arraycopy(tag, 0, content, 1, tag.length);
				yield composite(0x80 | 0x7E, content);
			}
			case 6 -> path.getBytes(StandardCharsets.UTF_8); // routing without the composite wrapper
			case 7 -> {
				byte[] valid = routing(path);
				yield Arrays.copyOf(valid, r.nextInt(valid.length));
			}
			case 8 -> mutateBytes(r, routing(path));
			case 9 -> {
				// a custom MIME type named by text, then the real routing entry
				byte[] mime = "text/x-peercollab-fuzz".getBytes(StandardCharsets.US_ASCII);
				ByteArrayOutputStream out = new ByteArrayOutputStream();
				out.write(mime.length - 1);
				out.writeBytes(mime);
				out.write(0);
				out.write(0);
				out.write(3);
				out.writeBytes(new byte[] { 1, 2, 3 });
				out.writeBytes(routing(unknownRoute(r)));
				yield out.toByteArray();
			}
			default -> {
				// a routing tag that is not UTF-8
				byte[] tag = { (byte) 0xff, (byte) 0xfe, 'p', 'c', (byte) 0xc3 };
				byte[] content = new byte[tag.length + 1];
				content[0] = (byte) tag.length;
				System.arraycopy(tag, 0, content, 1, tag.length);
				yield composite(0x80 | 0x7E, content);
			}
		};
	}

	/** @return one composite metadata entry with a well-known MIME id */
	private static byte[] composite(int idByte, byte[] content) {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		out.write(idByte);
		out.write(content.length >>> 16);
		out.write(content.length >>> 8);
		out.write(content.length);
		out.writeBytes(content);
		return out.toByteArray();
	}

	private static String unknownRoute(Random r) {
		return switch (r.nextInt(8)) {
			case 0 -> "peercollab.v1.nope";
			case 1 -> "";
			case 2 -> "peercollab.v1";
			case 3 -> "peercollab.v1.invite.extra";
			case 4 -> "x".repeat(1 + r.nextInt(255));
			case 5 -> "peercollab.v1." + randomText(new Random(r.nextLong()), 10);
			case 6 -> "../../etc/passwd";
			default -> randomText(r, 1 + r.nextInt(40));
		};
	}

	private static String wrongVersion(Random r, String path) {
		return switch (r.nextInt(9)) {
			case 0 -> path.replace(".v1.", ".v2.");
			case 1 -> path.replace(".v1.", ".v0.");
			case 2 -> path.replace(".v1.", ".v10.");
			case 3 -> path.replace(".v1.", ".V1.");
			case 4 -> path.toUpperCase(java.util.Locale.ROOT);
			case 5 -> path + " ";
			case 6 -> " " + path;
			case 7 -> path + "\u0000";
			default -> path.replace("peercollab", "peercollab2");
		};
	}

	static byte[] routing(String route) {
		String tag = route;
		while (tag.getBytes(StandardCharsets.UTF_8).length > 255) {
			tag = tag.substring(0, tag.length() - 1);
		}
		CompositeByteBuf metadata = RawClient.routing(tag);
		try {
			return ByteBufUtil.getBytes(metadata);
		}
		finally {
			metadata.release();
		}
	}

	static byte[] randomBytes(Random r, int n) {
		byte[] b = new byte[n];
		r.nextBytes(b);
		return b;
	}

	static String randomText(Random r, int n) {
		StringBuilder s = new StringBuilder(n);
		for (int k = 0; k < n; k++) {
			int kind = r.nextInt(10);
			if (kind < 7) {
				s.append((char) (' ' + r.nextInt(95)));
			}
			else if (kind < 9) {
				s.append((char) (0xa0 + r.nextInt(0x2000)));
			}
			else {
				s.appendCodePoint(0x1F300 + r.nextInt(200));
			}
		}
		return s.toString();
	}
}
