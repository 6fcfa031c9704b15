from modules.image.pipeline import GoldenImagePipeline, GoldenImagePipelineProps

__all__ = ["GoldenImagePipeline", "GoldenImagePipelineProps"]
