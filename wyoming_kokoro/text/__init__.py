"""Text handling for speech: cleanup of LLM text and segmentation of a growing text."""

from .normalize import clean_for_speech
from .segmenter import Segment, Segmenter, SegmenterConfig

__all__ = ["Segment", "Segmenter", "SegmenterConfig", "clean_for_speech"]
