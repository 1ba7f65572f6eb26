// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Function;
import java.util.function.Supplier;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.concurrent.FastThreadLocal;
import io.peercollab.InvalidRequestException;
import io.peercollab.PayloadTooLargeException;
import io.peercollab.PeerCollabException;
import io.peercollab.PeerEvent;
import io.peercollab.spi.InviteRequest;
import io.rsocket.Payload;
import io.rsocket.metadata.CompositeMetadata;
import io.rsocket.metadata.CompositeMetadataCodec;
import io.rsocket.metadata.RoutingMetadata;
import io.rsocket.metadata.TaggingMetadataCodec;
import io.rsocket.metadata.WellKnownMimeType;
import io.rsocket.util.ByteBufPayload;
import io.rsocket.util.DefaultPayload;

/**
 * Turns wire records into RSocket payloads and back: CBOR data, composite metadata with one routing entry.
 *
 * <p>Every inbound payload goes through {@link #receive(Payload)} first, which checks its size before anything reads
 * it, copies the bytes to the heap and releases the payload: from there on nothing holds a reference-counted buffer,
 * so a payload is released exactly once whatever the decoding does (the metadata of a route of ours is not copied: it
 * becomes that route's own constant bytes). Invitations, answers and stream elements are decoded during that call
 * instead ({@link #receive(Payload, Reader)}, {@link #receive(Payload, Class, Function, Supplier)}), through the
 * reading thread's scratch array rather than a copy of their own, under the same size check and release rule. The requests and responses of the protocol's hand-written records
 * ({@link CborWriter.Writable}) are encoded straight into pooled buffers ({@link ByteBufPayload}) that RSocket
 * releases once it has sent them (or failed to); the other outbound payloads are heap {@link DefaultPayload}s that
 * need no release. The later payloads of a session channel are the exception, for speed: {@link SessionFrames}
 * (see {@link #sessionFrames()}) writes them into pooled buffers that RSocket releases, and reads them from their
 * buffers, under the same size checks and release rule. Decoding failures of any kind become
 * {@link InvalidRequestException} naming the field.
 */
final class PayloadCodec {

	/** {@code application/cbor}: the data MIME type of every connection. */
	static final String DATA_MIME_TYPE = WellKnownMimeType.APPLICATION_CBOR.getString();

	/** {@code message/x.rsocket.composite-metadata.v0}: the metadata MIME type of every connection. */
	static final String METADATA_MIME_TYPE = WellKnownMimeType.MESSAGE_RSOCKET_COMPOSITE_METADATA.getString();

	private static final String ROUTING_MIME_TYPE = WellKnownMimeType.MESSAGE_RSOCKET_ROUTING.getString();

	private static final byte[] NO_DATA = new byte[0];

	/** Where the payloads of {@link CborWriter.Writable} records are written: pooled, released by RSocket. */
	private static final ByteBufAllocator ALLOCATOR = ByteBufAllocator.DEFAULT;

	// Writes only: inbound data is read by CborReader, whose messages are the protocol's, not a data binder's.
	// Built once: a mapper is thread-safe after configuration and costly to create.
	private static final ObjectMapper MAPPER = CBORMapper.builder()
			.serializationInclusion(JsonInclude.Include.NON_NULL)
			.build();

	private static final Map<Route, byte[]> ROUTE_METADATA = new EnumMap<>(Route.class);

	private static final Route[] ROUTES = Route.values();

	private static final byte[][] ROUTE_METADATA_BY_ORDINAL = new byte[ROUTES.length][];

	static {
		for (Route route : ROUTES) {
			ROUTE_METADATA.put(route, routingMetadata(route.path()));
			ROUTE_METADATA_BY_ORDINAL[route.ordinal()] = ROUTE_METADATA.get(route);
		}
	}

	private final int maxPayloadSize;
	private final SessionFrames sessionFrames;

	PayloadCodec(int maxPayloadSize) {
		this.maxPayloadSize = maxPayloadSize;
		this.sessionFrames = new SessionFrames(maxPayloadSize, ByteBufAllocator.DEFAULT);
	}

	/** @return the codec of the later payloads of a session channel, with the same limit */
	SessionFrames sessionFrames() {
		return sessionFrames;
	}

	/** @return the largest payload accepted or sent */
	int maxPayloadSize() {
		return maxPayloadSize;
	}

	/**
	 * @param body a {@link Wire} record, a {@link CborWriter.Writable}, or {@code null} for a request without data
	 * @return the first payload of a request on {@code route}
	 * @throws PayloadTooLargeException if it exceeds {@code maxPayloadSize}
	 */
	Payload request(Route route, Object body) {
		byte[] metadata = ROUTE_METADATA.get(route);
		if (body instanceof CborWriter.Writable w) {
			ByteBuf data = encode(w, metadata.length, route);
			ByteBuf meta;
			try {
				meta = ALLOCATOR.heapBuffer(metadata.length, metadata.length).writeBytes(metadata);
			}
			catch (RuntimeException | Error e) {
				data.release();
				throw e;
			}
			return ByteBufPayload.create(data, meta);
		}
		byte[] data = body == null ? NO_DATA : encode(body);
		if (data.length + metadata.length > maxPayloadSize) {
			throw tooLarge(data.length + metadata.length, "Outbound " + route + " payload");
		}
		return DefaultPayload.create(data, metadata);
	}

	/**
	 * @param body a {@link Wire} record or a {@link CborWriter.Writable}
	 * @return a payload without metadata: a response, or a later payload of a channel
	 * @throws PayloadTooLargeException if it exceeds {@code maxPayloadSize}
	 */
	Payload data(Object body) {
		if (body instanceof CborWriter.Writable w) {
			return ByteBufPayload.create(encode(w, 0, null));
		}
		byte[] data = encode(body);
		checkSize(data.length, "Outbound payload");
		return DefaultPayload.create(data);
	}

	/** An event and its encoding. */
	private record EncodedEvent(PeerEvent event, byte[] data) {
	}

	/**
	 * The latest encoded events, by identity: the engine hands every follower of one visibility class the very same
	 * event object, so a change followed by a thousand peers is encoded once. A slot is overwritten by whichever event
	 * lands there next; a miss only costs an encoding.
	 */
	private static final AtomicReferenceArray<EncodedEvent> ENCODED_EVENTS = new AtomicReferenceArray<>(64);

	/**
	 * @return the payload of one element of the {@code events} stream, sharing the encoded bytes with every other
	 * payload of the same event object (the bytes are never written after encoding)
	 * @throws PayloadTooLargeException if it exceeds {@code maxPayloadSize}
	 */
	Payload event(PeerEvent event) {
		int slot = System.identityHashCode(event) & (ENCODED_EVENTS.length() - 1);
		EncodedEvent cached = ENCODED_EVENTS.get(slot);
		byte[] data;
		if (cached != null && cached.event() == event) {
			data = cached.data();
		}
		else {
			data = encode(Wire.Event.from(event));
			ENCODED_EVENTS.set(slot, new EncodedEvent(event, data));
		}
		checkSize(data.length, "Outbound payload");
		return DefaultPayload.create(data);
	}

	/**
	 * Checks the size of an inbound payload, copies it and releases it, in this order and exactly once.
	 *
	 * @return the payload's bytes
	 * @throws PayloadTooLargeException if data plus metadata exceed {@code maxPayloadSize}
	 */
	Inbound receive(Payload payload) {
		return receive(payload, INBOUND);
	}

	/**
	 * What {@link #receive(Payload, Reader)} makes of a payload while it still holds its buffers. The data buffer is
	 * the payload's own: read it, never keep it or a slice of it, never release it.
	 */
	@FunctionalInterface
	interface Reader<T> {

		/**
		 * @param metadata the metadata's bytes (a route's constant bytes, never written; or a copy), or {@code null}
		 * if the payload had none
		 * @param data the payload's data, to read only while this call lasts
		 */
		T read(byte[] metadata, ByteBuf data);
	}

	private static final Reader<Inbound> INBOUND = (metadata, data) -> new Inbound(ByteBufUtil.getBytes(data),
			metadata);

	/**
	 * As {@link #receive(Payload)}: checks the size, then hands the metadata's bytes and the data's buffer to
	 * {@code reader}, and releases the payload, in this order and exactly once, whatever {@code reader} does. A
	 * request decoded here needs no heap copy of its data (see {@link #decode(ByteBuf, Class, Function, Supplier)}).
	 *
	 * @return what {@code reader} made
	 * @throws PayloadTooLargeException if data plus metadata exceed {@code maxPayloadSize}; {@code reader} is then
	 * not called
	 */
	<T> T receive(Payload payload, Reader<T> reader) {
		try {
			// data() and metadata() are the payload's own buffers (no slice is made): read, never kept
			ByteBuf data = payload.data();
			ByteBuf metadata = payload.hasMetadata() ? payload.metadata() : null;
			int size = data.readableBytes() + (metadata == null ? 0 : metadata.readableBytes());
			checkSize(size, "Payload");
			return reader.read(metadata == null ? null : metadataBytes(metadata), data);
		}
		finally {
			payload.release();
		}
	}

	/**
	 * Checks the size of an inbound payload, decodes its data into a wire record and maps it to the domain (as
	 * {@link #decode(ByteBuf, Class, Function, Supplier)}), and releases it, in this order and exactly once. For
	 * answers and stream elements, whose metadata nobody reads.
	 *
	 * @throws PayloadTooLargeException if data plus metadata exceed {@code maxPayloadSize}
	 * @throws InvalidRequestException if the data cannot be decoded
	 */
	<W, D> D receive(Payload payload, Class<W> wireType, Function<W, D> toDomain, Supplier<String> what) {
		return receive(payload, null, wireType, toDomain, what);
	}

	/**
	 * As {@link #receive(Payload, Class, Function, Supplier)}, through {@code shape} first when it is not
	 * {@code null}: the same value, or the same failure, as the generic reader would give.
	 */
	<W, D> D receive(Payload payload, ShapeReader<D> shape, Class<W> wireType, Function<W, D> toDomain,
			Supplier<String> what) {
		try {
			ByteBuf data = payload.data();
			int size = data.readableBytes() + (payload.hasMetadata() ? payload.metadata().readableBytes() : 0);
			checkSize(size, "Payload");
			return decode(data, shape, wireType, toDomain, what);
		}
		finally {
			payload.release();
		}
	}

	/**
	 * @return the constant bytes of the route whose metadata {@code metadata} is, byte for byte (shared, never
	 * written), or else a copy of its bytes
	 */
	private static byte[] metadataBytes(ByteBuf metadata) {
		int from = metadata.readerIndex();
		int length = metadata.readableBytes();
		routes:
		for (byte[] known : ROUTE_METADATA_BY_ORDINAL) {
			if (known.length != length) {
				continue;
			}
			for (int i = 0; i < length; i++) {
				if (metadata.getByte(from + i) != known[i]) {
					continue routes;
				}
			}
			return known;
		}
		return ByteBufUtil.getBytes(metadata);
	}

	/**
	 * Reads CBOR strictly into a wire record ({@link CborReader}, {@link Wire}) and maps it to the domain. Every
	 * failure is one {@link InvalidRequestException} whose message is {@code "Invalid <what>: <detail>"}, the detail
	 * naming the field and what was expected (the forms are listed in PROTOCOL.md section 4.2); a limit the domain
	 * signals with another {@link PeerCollabException} keeps its type.
	 *
	 * @param what what is being read, for the message, such as {@code "peercollab.v1.invite request"}
	 */
	static <W, D> D decode(byte[] data, Class<W> wireType, Function<W, D> toDomain, String what) {
		return decode(data, wireType, toDomain, () -> what);
	}

	/**
	 * As {@link #decode(byte[], Class, Function, String)}, with the description of what is decoded built only when
	 * it fails (a stream's payloads are decoded on the hot path).
	 */
	static <W, D> D decode(byte[] data, Class<W> wireType, Function<W, D> toDomain, Supplier<String> what) {
		return decode(data, data.length, wireType, toDomain, what);
	}

	/**
	 * The largest data decoded through the reading thread's scratch array (see
	 * {@link #decode(ByteBuf, Class, Function, Supplier)}); larger data gets an array of its own.
	 */
	static final int SCRATCH_SIZE = 4096;

	/**
	 * Each thread's array that data is copied into to be decoded, or {@code null} while a decoding on that thread
	 * has it. Nothing decoded refers to it (texts and byte strings are copies), so it is reused at once: a request or
	 * an element of a stream costs no array of its own. Netty's thread-local is an indexed slot on its event loops,
	 * where inbound payloads are decoded.
	 */
	private static final FastThreadLocal<byte[]> SCRATCH = new FastThreadLocal<>() {
		@Override
		protected byte[] initialValue() {
			return new byte[SCRATCH_SIZE];
		}
	};

	/**
	 * As {@link #decode(byte[], Class, Function, Supplier)}, for the readable bytes of {@code data}, which is
	 * neither kept nor released nor moved (its reader index stays): copied into the thread's scratch array when it
	 * fits, else into an array of its own.
	 */
	static <W, D> D decode(ByteBuf data, Class<W> wireType, Function<W, D> toDomain, Supplier<String> what) {
		return decode(data, null, wireType, toDomain, what);
	}

	/**
	 * Reads the data of a {@code peercollab.v1.invite} request as {@link #decode(ByteBuf, Class, Function, Supplier)}
	 * does, through {@link InviteReader} when it is in the shape this codec writes (no field maps, no wire record,
	 * UUIDs parsed from their bytes), else through the generic reader: the same request, or the same failure.
	 */
	static InviteRequest decodeInvite(ByteBuf data, Supplier<String> what) {
		return decode(data, InviteReader::read, Wire.Invite.class, Wire.Invite::toDomain, what);
	}

	/** Reads {@code data[0 .. length)} in one known shape, or answers {@code null} for the generic reader. */
	@FunctionalInterface
	interface ShapeReader<D> {
		D read(byte[] data, int length);
	}

	private static <W, D> D decode(ByteBuf data, ShapeReader<D> shape, Class<W> wireType, Function<W, D> toDomain,
			Supplier<String> what) {
		int length = data.readableBytes();
		byte[] scratch = length <= SCRATCH_SIZE ? SCRATCH.get() : null;
		if (scratch == null) {
			// too large, or the scratch is in use by a decoding further up this thread's stack
			byte[] copy = ByteBufUtil.getBytes(data);
			return decode(copy, copy.length, shape, wireType, toDomain, what);
		}
		SCRATCH.set(null);
		try {
			data.getBytes(data.readerIndex(), scratch, 0, length);
			return decode(scratch, length, shape, wireType, toDomain, what);
		}
		finally {
			SCRATCH.set(scratch);
		}
	}

	private static <W, D> D decode(byte[] data, int length, Class<W> wireType, Function<W, D> toDomain,
			Supplier<String> what) {
		return decode(data, length, null, wireType, toDomain, what);
	}

	private static <W, D> D decode(byte[] data, int length, ShapeReader<D> shape, Class<W> wireType,
			Function<W, D> toDomain, Supplier<String> what) {
		try {
			D known = shape == null ? null : shape.read(data, length);
			return known != null ? known : toDomain.apply(Wire.reader(wireType).apply(CborReader.map(data, length)));
		}
		catch (InvalidRequestException e) {
			throw new InvalidRequestException("Invalid " + what.get() + ": " + e.getMessage());
		}
		catch (PeerCollabException e) {
			throw e;
		}
		catch (IllegalArgumentException | NullPointerException e) {
			// the SPI records check their limits in their constructors, with messages that name the field
			throw new InvalidRequestException("Invalid " + what.get() + ": " + e.getMessage());
		}
	}

	/**
	 * @return the route named by the first tag of the routing entry of this composite metadata
	 * @throws InvalidRequestException if the metadata is missing, undecodable or has no routing entry
	 */
	static String route(byte[] metadata) {
		// the metadata every PeerCollab client sends, byte for byte: its route without parsing it
		for (int i = 0; i < ROUTES.length; i++) {
			if (Arrays.equals(ROUTE_METADATA_BY_ORDINAL[i], metadata)) {
				return ROUTES[i].path();
			}
		}
		if (metadata == null || metadata.length == 0) {
			throw new InvalidRequestException(
					"Missing metadata: every request must carry composite metadata with a " + ROUTING_MIME_TYPE
							+ " entry");
		}
		try {
			for (CompositeMetadata.Entry entry : new CompositeMetadata(Unpooled.wrappedBuffer(metadata), false)) {
				if (ROUTING_MIME_TYPE.equals(entry.getMimeType())) {
					Iterator<String> tags = new RoutingMetadata(entry.getContent()).iterator();
					if (!tags.hasNext()) {
						throw new InvalidRequestException("The routing metadata names no route");
					}
					return tags.next();
				}
			}
		}
		catch (InvalidRequestException e) {
			throw e;
		}
		catch (RuntimeException e) {
			// CompositeMetadata reads lazily and fails with whatever the bytes provoke, in Netty's words: keep them here
			throw new InvalidRequestException("malformed composite metadata (" + metadata.length + " bytes): each entry "
					+ "must be a MIME type (a well-known id, or a length and an ASCII name), a 24-bit length, then that "
					+ "many bytes; a routing entry holds tags of one length byte each", e);
		}
		throw new InvalidRequestException("The composite metadata has no " + ROUTING_MIME_TYPE + " entry");
	}

	/**
	 * @param extra the bytes the payload carries besides this data (its metadata)
	 * @param route the request's route, named in the failure; {@code null} for a later payload
	 * @return the CBOR of {@code body} in a pooled buffer of its exact size, which the caller owns
	 * @throws PayloadTooLargeException if it and {@code extra} exceed {@code maxPayloadSize} (no buffer is taken)
	 */
	private ByteBuf encode(CborWriter.Writable body, int extra, Route route) {
		try {
			return CborWriter.encode(body, ALLOCATOR, maxPayloadSize - extra);
		}
		catch (CborWriter.TooLarge e) {
			// the message is made only here: not a string per payload
			throw tooLarge(e.size + extra, route == null ? "Outbound payload" : "Outbound " + route + " payload");
		}
	}

	private void checkSize(int size, String what) {
		if (size > maxPayloadSize) {
			throw tooLarge(size, what);
		}
	}

	private PayloadTooLargeException tooLarge(int size, String what) {
		return new PayloadTooLargeException(what + " of " + size + " bytes exceeds maxPayloadSize ("
				+ maxPayloadSize + " bytes)");
	}

	private static byte[] encode(Object body) {
		if (body instanceof CborWriter.Writable w) {
			return CborWriter.encode(w);
		}
		try {
			return MAPPER.writeValueAsBytes(body);
		}
		catch (IOException e) {
			// the wire records hold only strings, numbers and byte arrays: this is a bug, not bad input
			throw new IllegalStateException("Cannot encode " + body.getClass().getSimpleName(), e);
		}
	}

	private static byte[] routingMetadata(String route) {
		CompositeByteBuf composite = ByteBufAllocator.DEFAULT.compositeBuffer();
		try {
			ByteBuf routing = TaggingMetadataCodec.createRoutingMetadata(ByteBufAllocator.DEFAULT, List.of(route))
					.getContent();
			CompositeMetadataCodec.encodeAndAddMetadata(composite, ByteBufAllocator.DEFAULT,
					WellKnownMimeType.MESSAGE_RSOCKET_ROUTING, routing);
			return ByteBufUtil.getBytes(composite);
		}
		finally {
			composite.release();
		}
	}

	/**
	 * The bytes of an inbound payload, on the heap.
	 *
	 * @param data the data, possibly empty
	 * @param metadata the metadata, or {@code null} if the payload had none
	 */
	record Inbound(byte[] data, byte[] metadata) {

		/** @return the metadata as text, for diagnostics */
		@Override
		public String toString() {
			return "Inbound[" + data.length + " bytes, metadata="
					+ (metadata == null ? "none" : new String(metadata, StandardCharsets.ISO_8859_1)) + "]";
		}
	}
}
