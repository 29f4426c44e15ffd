// Model zoo architectures with their real layer structure and sizes, random weights from a seed:
// ResNet-50 (torchvision v1.5), MobileNetV2 (torchvision), a BERT-base style encoder. Parameters (resolved, every
// default filled in) come from the built-in model registry.
#pragma once

#include <nlohmann/json.hpp>

#include "engines/graph.h"

namespace joulebench::zoo {

Graph MakeResnet50(const nlohmann::json& params);
Graph MakeMobilenetV2(const nlohmann::json& params);
Graph MakeBert(const nlohmann::json& params);

}  // namespace joulebench::zoo
