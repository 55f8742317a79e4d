"""The Kokoro Live text-to-speech entity: text streams in, speech streams out."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping
from dataclasses import dataclass
from typing import Any

from homeassistant.components.tts import (
    ATTR_PREFERRED_FORMAT,
    ATTR_PREFERRED_SAMPLE_BYTES,
    ATTR_PREFERRED_SAMPLE_CHANNELS,
    ATTR_PREFERRED_SAMPLE_RATE,
    ATTR_VOICE,
    TextToSpeechEntity,
    TTSAudioResponse,
    TtsAudioType,
    Voice,
)
from homeassistant.components.tts.entity import TTSAudioRequest
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .api import (
    KokoroConnectionError,
    KokoroError,
    KokoroServerError,
    LiveSession,
)
from .audio_output import AudioOutput, audio_output
from .const import ATTR_SPEED, CONF_LANGUAGE, CONF_SPEED, CONF_VOICE, DEFAULT_NAME, DOMAIN
from .coordinator import (
    KokoroLiveConfigEntry,
    KokoroLiveCoordinator,
    KokoroLiveData,
)
from .languages import language_map, to_ha_language
from .session_log import SessionLog
from .voices import voice_choices
from .wav import wav_file, wav_header

# Speech sessions are independent; the server shares its CPU between them.
PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: KokoroLiveConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """One TTS entity per server."""
    async_add_entities([KokoroLiveTTSEntity(entry)])


class _TextFeeder:
    """Forwards the text pieces into the live session as they arrive.

    Runs beside the audio reader, so speech for the first sentence plays while
    the rest of the text is still being written (by an LLM, typically).
    """

    def __init__(
        self, session: LiveSession, message_gen: AsyncGenerator[str], log: SessionLog
    ) -> None:
        self._session = session
        self._message_gen = message_gen
        self._log = log
        #: Why the text source failed, if it did; the reader reports it.
        self.failure: Exception | None = None

    async def run(self) -> None:
        try:
            async for piece in self._message_gen:
                self._log.text()
                await self._session.send_text(piece)
            await self._session.end_input()
        except KokoroConnectionError:
            return  # The reader sees the closed connection and reports it.
        except Exception as err:
            # The text will never be complete: stop the synthesis rather than
            # speak half a sentence. Recorded before closing, so the reader,
            # woken by the close, knows why.
            self.failure = err
            await self._session.close()


@dataclass(frozen=True, slots=True)
class _Speech:
    """A request's voice, language (the server's code) and speed; None: the server's."""

    voice: str | None
    language: str
    speed: float | None


class KokoroLiveTTSEntity(CoordinatorEntity[KokoroLiveCoordinator], TextToSpeechEntity):
    """Speaks through one Kokoro Live server, streaming both ways.

    Named by its function (the translation key: "Text-to-speech") on a device named after
    the server, as Home Assistant's own TTS integrations with devices do. The main-feature
    pattern (``_attr_name = None``) is not open to TTS entities: Home Assistant's tts
    component refuses to speak through an entity without a name of its own.
    """

    _attr_has_entity_name = True
    _attr_translation_key = "speech"

    def __init__(self, entry: KokoroLiveConfigEntry) -> None:
        """Describe the entity, and its server as a service device (model and version its own)."""
        super().__init__(entry.runtime_data.coordinator)
        self._data: KokoroLiveData = entry.runtime_data
        self._attr_unique_id = entry.entry_id
        # The preferred-format options reach the entity, which asks the server for exactly
        # that audio (see audio_output.py).
        self._attr_supported_options = [
            ATTR_VOICE,
            ATTR_SPEED,
            ATTR_PREFERRED_FORMAT,
            ATTR_PREFERRED_SAMPLE_RATE,
            ATTR_PREFERRED_SAMPLE_CHANNELS,
            ATTR_PREFERRED_SAMPLE_BYTES,
        ]
        info = self.coordinator.data
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, entry.entry_id)},
            name=DEFAULT_NAME,
            manufacturer=DEFAULT_NAME,
            model=info.model,
            sw_version=info.version,
            entry_type=DeviceEntryType.SERVICE,
        )

    # Languages, voices and defaults come from the latest /voices poll and the
    # entry's options, so option changes and new server voices apply at once.

    @property
    def _languages(self) -> dict[str, str]:
        return language_map(self.coordinator.data.languages)

    @property
    def supported_languages(self) -> list[str]:
        """Every language the server speaks (any voice speaks any of them)."""
        return list(self._languages)

    @property
    def default_language(self) -> str:
        """The language chosen in the options, else the server's default."""
        language = self.coordinator.config_entry.options.get(CONF_LANGUAGE)
        if language in self._languages:
            return str(language)
        return to_ha_language(self.coordinator.data.default_language)

    @property
    def default_options(self) -> Mapping[str, Any]:
        """The voice and speed chosen in the options; unset ones take the server's."""
        options = self.coordinator.config_entry.options
        defaults: dict[str, Any] = {}
        if CONF_VOICE in options:
            defaults[ATTR_VOICE] = options[CONF_VOICE]
        if CONF_SPEED in options:
            defaults[ATTR_SPEED] = options[CONF_SPEED]
        return defaults

    @callback
    def async_get_supported_voices(self, language: str) -> list[Voice] | None:
        """All voices, by name, for every supported language (any voice speaks any of them),
        the language's own voices first, its natural voice at the top.

        A blend chosen in the options (or the server's default blend) is listed too, by a
        name made from its parts.
        """
        if language not in self._languages:
            return None
        saved = self.coordinator.config_entry.options.get(CONF_VOICE)
        choices = voice_choices(self.coordinator.data, saved, language=self._languages[language])
        return [Voice(voice, name) for voice, name in choices.items()]

    async def async_stream_tts_audio(self, request: TTSAudioRequest) -> TTSAudioResponse:
        """Feed text pieces in as they arrive while audio flows out, in the format asked for.

        The session opens when Home Assistant starts reading, so a stream it never reads (its
        conversion could not start) leaves no connection behind. A reader that stops early
        closes the session, which makes the server cancel the rest.
        """
        output, speech = self._request(request.language, request.options)
        return TTSAudioResponse(
            output.extension, self._stream_audio(output, speech, request.message_gen)
        )

    async def _stream_audio(
        self, output: AudioOutput, speech: _Speech, message_gen: AsyncGenerator[str]
    ) -> AsyncGenerator[bytes]:
        log = self._session_log(speech, output, streaming=True)
        # Until the audio ends or fails, an exit means the reader stopped early.
        outcome = "stopped by its reader"
        try:
            session = await self._async_open_session(speech, output, log)
        except HomeAssistantError as err:
            log.ended(f"failed to open: {err.__cause__ or err}")
            raise
        feeder = _TextFeeder(session, message_gen, log)
        task = self.coordinator.config_entry.async_create_background_task(
            self.hass, feeder.run(), f"{DOMAIN} text feeder"
        )
        try:
            if output.is_wav:
                yield wav_header(session.sample_rate, session.channels)
            async for chunk in session.audio():
                log.audio(chunk)
                yield chunk
            outcome = "completed"
        except KokoroError as err:
            if feeder.failure is not None:
                outcome = f"text source failed: {feeder.failure}"
                raise HomeAssistantError(
                    translation_domain=DOMAIN,
                    translation_key="text_failed",
                    translation_placeholders={"error": str(feeder.failure)},
                ) from feeder.failure
            outcome = f"failed: {err}"
            raise self._speech_error(err) from err
        finally:
            task.cancel()
            try:
                await session.close()
            finally:
                log.ended(outcome)

    async def async_get_tts_audio(
        self, message: str, language: str, options: dict[str, Any]
    ) -> TtsAudioType:
        """Speak a complete message and return it as one file in the format asked for (a WAV
        header states the exact length)."""
        output, speech = self._request(language, options)
        log = self._session_log(speech, output, streaming=False)
        chunks: list[bytes] = []
        outcome = "cancelled"
        try:
            session = await self._async_open_session(speech, output, log)
            async with session:
                log.text()
                await session.send_text(message)
                await session.end_input()
                async for chunk in session.audio():
                    log.audio(chunk)
                    chunks.append(chunk)
            outcome = "completed"
        except HomeAssistantError as err:
            outcome = f"failed to open: {err.__cause__ or err}"
            raise
        except KokoroError as err:
            outcome = f"failed: {err}"
            raise self._speech_error(err) from err
        finally:
            log.ended(outcome)
        data = b"".join(chunks)
        if output.is_wav:
            data = wav_file(data, session.sample_rate, session.channels)
        return output.extension, data

    def _request(self, language: str, options: Mapping[str, Any]) -> tuple[AudioOutput, _Speech]:
        """The audio to ask for and the voice, language and speed; bad options raise
        ``ServiceValidationError`` before anything connects."""
        speed = options.get(ATTR_SPEED)
        if speed is not None:
            try:
                speed = float(speed)
            except (TypeError, ValueError) as err:
                raise ServiceValidationError(
                    translation_domain=DOMAIN,
                    translation_key="invalid_speed",
                    translation_placeholders={"speed": str(speed)},
                ) from err
        try:
            output = audio_output(options)
        except (TypeError, ValueError) as err:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="invalid_audio_option",
                translation_placeholders={"error": str(err)},
            ) from err
        voice = str(options[ATTR_VOICE]) if options.get(ATTR_VOICE) else None
        return output, _Speech(voice, self._languages.get(language, language), speed)

    def _session_log(self, speech: _Speech, output: AudioOutput, *, streaming: bool) -> SessionLog:
        return SessionLog(
            self._data.client.address,
            speech.voice,
            speech.language,
            output.describe(),
            streaming=streaming,
        )

    async def _async_open_session(
        self, speech: _Speech, output: AudioOutput, log: SessionLog
    ) -> LiveSession:
        """Open a live session; a session that opens shows the server is reachable."""
        try:
            session = await self._data.client.async_open_session(
                voice=speech.voice,
                language=speech.language,
                speed=speech.speed,
                audio=output.init,
            )
        except KokoroError as err:
            raise self._speech_error(err) from err
        log.opened(session)
        self.coordinator.async_server_answered()
        return session

    def _speech_error(self, err: KokoroError) -> HomeAssistantError:
        """The error to raise for a failed session; a lost server makes the entity unavailable."""
        self._data.last_error = str(err)
        if isinstance(err, KokoroServerError):
            return HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="server_error",
                translation_placeholders={"message": str(err)},
            )
        if isinstance(err, KokoroConnectionError):
            # The entity turns unavailable at once; the coordinator logs the outage once and
            # polls often until the server answers again.
            self.coordinator.async_server_lost(err)
            key = "cannot_connect"
        else:
            key = "protocol_error"
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key=key,
            translation_placeholders={"address": self._data.client.address, "error": str(err)},
        )
