"""Data: preprocessing specs (one definition per model) and labelled data sets."""

from __future__ import annotations

from edgepareto.data.datasets import (
    DATASETS,
    ArrayDataset,
    Dataset,
    EvaluatedSet,
    fashion_mnist,
    image_folder,
    imagenet,
    imagenet_synsets,
    open_dataset,
    read_labels,
)
from edgepareto.data.preprocessing import (
    InputEncoding,
    PreprocessingSpec,
    central_crop_box,
    list_images,
    spec_beside,
)
from edgepareto.data.presets import default_spec

__all__ = [
    "DATASETS",
    "ArrayDataset",
    "Dataset",
    "EvaluatedSet",
    "InputEncoding",
    "PreprocessingSpec",
    "central_crop_box",
    "default_spec",
    "fashion_mnist",
    "image_folder",
    "imagenet",
    "imagenet_synsets",
    "list_images",
    "open_dataset",
    "read_labels",
    "spec_beside",
]
