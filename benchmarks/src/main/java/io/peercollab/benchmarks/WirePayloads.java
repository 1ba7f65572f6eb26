// SPDX-License-Identifier: Apache-2.0
package io.peercollab.benchmarks;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.fasterxml.jackson.dataformat.cbor.CBORGenerator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.rsocket.metadata.CompositeMetadataCodec;
import io.rsocket.metadata.TaggingMetadataCodec;
import io.rsocket.metadata.WellKnownMimeType;

/**
 * Bytes of the same size as the library's payloads, written from {@code rsocket-transport/PROTOCOL.md} (CBOR maps of
 * indefinite length, text keys, absent optional fields left out) so that a baseline moves exactly as many bytes as the
 * library does for the same figure. The sizes were checked byte for byte against the library's own codec
 * ({@code PayloadCodec}, package-private) when these were written; {@code RESULTS.md} lists them.
 */
public final class WirePayloads {

	private static final CBORFactory CBOR = new CBORFactory();

	/** The invitation message every invitation benchmark sends. */
	public static final String INVITE_MESSAGE = "join me?";

	private WirePayloads() {
	}

	/** @return the composite metadata with one routing entry naming {@code route}, as every request carries */
	public static byte[] routing(String route) {
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
	 * @return the data of a {@code peercollab.v1.invite} request from {@code senderNickname} into an application
	 * with this description and scope, no data, the message {@value #INVITE_MESSAGE} and the default expiry (5 min)
	 */
	public static byte[] invite(String senderNickname, String description, String scope) {
		return cbor(g -> {
			g.writeStartObject();
			g.writeStringField("invitationId", UUID.randomUUID().toString());
			g.writeStringField("sessionId", UUID.randomUUID().toString());
			g.writeStringField("senderNickname", senderNickname);
			g.writeFieldName("application");
			g.writeStartObject();
			g.writeStringField("id", UUID.randomUUID().toString());
			g.writeStringField("description", description);
			g.writeBinaryField("data", new byte[0]);
			g.writeStringField("scope", scope);
			g.writeEndObject();
			g.writeStringField("message", INVITE_MESSAGE);
			g.writeBinaryField("data", new byte[0]);
			g.writeNumberField("expiryMillis", 300_000L);
			g.writeEndObject();
		});
	}

	/** @return the data of a {@code peercollab.v1.invite} response */
	public static byte[] inviteReply(String status) {
		return cbor(g -> {
			g.writeStartObject();
			g.writeStringField("status", status);
			g.writeStringField("message", "");
			g.writeEndObject();
		});
	}

	/** @return the data of a {@code peercollab.v1.presence} response */
	public static byte[] presence(String status, String text) {
		return cbor(g -> {
			g.writeStartObject();
			g.writeStringField("status", status);
			g.writeStringField("text", text);
			g.writeEndObject();
		});
	}

	/** @return the data of a {@code peercollab.v1.events} request */
	public static byte[] eventsRequest(long afterVersion) {
		return cbor(g -> {
			g.writeStartObject();
			g.writeNumberField("afterVersion", afterVersion);
			g.writeEndObject();
		});
	}

	/** @return the data of a presence event of a {@code peercollab.v1.events} stream */
	public static byte[] presenceEvent(String type, long version, String status, String text) {
		return cbor(g -> {
			g.writeStartObject();
			g.writeStringField("kind", "presence");
			g.writeStringField("type", type);
			g.writeNumberField("version", version);
			g.writeFieldName("presence");
			g.writeStartObject();
			g.writeStringField("status", status);
			g.writeStringField("text", text);
			g.writeEndObject();
			g.writeEndObject();
		});
	}

	/** @return the data of the first payload of a {@code peercollab.v1.session} channel */
	public static byte[] sessionOpen() {
		return cbor(g -> {
			g.writeStartObject();
			g.writeStringField("invitationId", UUID.randomUUID().toString());
			g.writeStringField("sessionId", UUID.randomUUID().toString());
			g.writeStringField("applicationId", UUID.randomUUID().toString());
			g.writeEndObject();
		});
	}

	/** @return the data of a later payload of a {@code peercollab.v1.session} channel, from the hop's own sender */
	public static byte[] sessionFrame(byte[] message) {
		return cbor(g -> {
			g.writeStartObject();
			g.writeBinaryField("data", message);
			g.writeEndObject();
		});
	}

	private interface Writer {
		void write(CBORGenerator g) throws IOException;
	}

	private static byte[] cbor(Writer writer) {
		ByteArrayOutputStream out = new ByteArrayOutputStream(256);
		try (CBORGenerator g = CBOR.createGenerator(out)) {
			writer.write(g);
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		return out.toByteArray();
	}
}
