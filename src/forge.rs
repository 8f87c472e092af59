//! The forges: detection, token pages, API bases and token validation. (Being written.)
